import { MongoNetworkError } from 'mongodb';
import { Connection, type WriteCommandOptions } from 'mongodb/lib/cmap/connection.js';

const GUARDED = Symbol.for('entra-connector-hub.closed-socket-guard');

/**
 * Works around a MongoDB Node.js driver bug (present in 7.8 and 7.9.1) that leaves a client
 * unable to reach a database that restarted, until the process restarts.
 *
 * `Connection.writeCommand` writes to the socket and, when `write()` returns false, waits for
 * `'drain'` (or `'error'`). A socket that is already destroyed returns false from `write()` and
 * never emits either, so the command waits forever. The driver marks a connection closed only on
 * the socket's `'close'` event, which Node emits in a later phase of the event loop than the
 * `destroy()` that follows the server's FIN. When the server stops, every connection closes at
 * once; the failing operations ask the server monitor for an immediate check, and the monitor
 * may run it in that window, on its own destroyed-but-not-yet-closed connection. Its `hello`
 * then never settles, the monitor never checks again, and the server stays "Unknown" for good:
 * every operation fails server selection with "connection N to host closed", while a fresh
 * client reaches the restarted database. A pool connection checked out in the same window hangs
 * its operation the same way, and a write that waits for `'drain'` when the server goes away
 * hangs too.
 *
 * The guard fails such a write at once with the network error the driver raises for a closed
 * connection, so the monitor and the pool handle it like any other: the server is marked
 * unknown, the pool cleared, and the next check reconnects. Applied once per process (the
 * driver's classes are shared by every client); test/db/closed-socket-guard.test.ts shows the
 * hang without it and fails if a driver upgrade makes the guard stop applying.
 */
export function installClosedSocketGuard(): void {
  const proto = Connection.prototype as Connection & { [GUARDED]?: true };
  if (proto[GUARDED]) return;
  const writeCommand: unknown = Object.getOwnPropertyDescriptor(proto, 'writeCommand')?.value;
  if (typeof writeCommand !== 'function') {
    throw new Error('mongodb driver: Connection.writeCommand is gone; review closed-socket-guard');
  }
  proto.writeCommand = async function guardedWriteCommand(
    this: Connection,
    command: unknown,
    options: WriteCommandOptions,
  ): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed) {
      const error = closedError(this);
      this.onError(error);
      throw error;
    }
    // Destroyed while waiting for 'drain': the driver already rejects on its abort signal.
    const closed = new AbortController();
    const onClose = () => closed.abort(closedError(this));
    socket.once('close', onClose);
    try {
      const signal = options?.signal
        ? AbortSignal.any([options.signal, closed.signal])
        : closed.signal;
      await (writeCommand as Connection['writeCommand']).call(this, command, {
        ...options,
        signal,
      });
    } finally {
      socket.off('close', onClose);
    }
  };
  Object.defineProperty(proto, GUARDED, { value: true });
}

function closedError(connection: Connection): MongoNetworkError {
  return new MongoNetworkError(`connection ${connection.id} to ${connection.address} closed`);
}
