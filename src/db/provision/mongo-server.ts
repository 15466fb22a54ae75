/** A MongoDB-compatible server the project's tooling started (or was pointed at). */
export type MongoProvider = 'uri' | 'memory-server' | 'ferretdb';

export interface MongoServerHandle {
  /** Connection string without a database name; callers append one per test file or app. */
  readonly uri: string;
  readonly provider: MongoProvider;
  /** Human description, printed at start: where it listens and what it is. */
  readonly description: string;
  /** Stops a server the project started; a no-op for an external `MONGODB_URI`. */
  stop(): Promise<void>;
  /**
   * Stops the server but keeps its data and address, so a fault test can bring it back with
   * `start()`. Absent for an external server, which the project does not control.
   */
  pause?(): Promise<void>;
  start?(): Promise<void>;
}

export class MongoProvisionError extends Error {
  constructor(
    message: string,
    readonly attempts: readonly string[] = [],
  ) {
    super(
      attempts.length > 0 ? `${message}\n${attempts.map((a) => `  - ${a}`).join('\n')}` : message,
    );
    this.name = 'MongoProvisionError';
  }
}

/** Inserts a database name into a connection string, keeping any query options. */
export function withDatabase(uri: string, dbName: string): string {
  const url = new URL(uri);
  url.pathname = `/${dbName}`;
  return url.toString();
}
