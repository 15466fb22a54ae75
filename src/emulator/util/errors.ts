/** Error codes of the control API (and of store operations it calls). */
export enum ControlErrorCode {
  NotFound = 'not_found',
  Conflict = 'conflict',
  InvalidRequest = 'invalid_request',
  Unauthorized = 'unauthorized',
}

const STATUS: Record<ControlErrorCode, number> = {
  [ControlErrorCode.NotFound]: 404,
  [ControlErrorCode.Conflict]: 409,
  [ControlErrorCode.InvalidRequest]: 400,
  [ControlErrorCode.Unauthorized]: 401,
};

export class EmulatorError extends Error {
  readonly status: number;

  constructor(
    readonly code: ControlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorError';
    this.status = STATUS[code];
  }
}

export function notFound(what: string, id: string): EmulatorError {
  return new EmulatorError(ControlErrorCode.NotFound, `${what} '${id}' does not exist`);
}
