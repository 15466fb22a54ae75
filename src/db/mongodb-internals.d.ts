/**
 * The one driver-internal module src/db/closed-socket-guard.ts reaches into. The package ships
 * no declarations for it (it is not public API), so this states the little the guard uses.
 */
declare module 'mongodb/lib/cmap/connection.js' {
  import type { Socket } from 'node:net';

  export interface WriteCommandOptions {
    signal?: AbortSignal;
    [option: string]: unknown;
  }

  export class Connection {
    readonly id: number | '<monitor>';
    readonly address: string;
    readonly socket: Socket;
    closed: boolean;
    onError(error: Error): void;
    writeCommand(command: unknown, options: WriteCommandOptions): Promise<void>;
  }
}
