/**
 * Open-loop HTTP load for the receiver benches: fires requests at a fixed rate from a worker
 * thread and returns each one's latency (ms, from the moment it was sent to the end of its
 * answer) and status.
 *
 * The client runs in a worker because Graph's deliveries come from outside the hub's process.
 * Fired from the hub's own event loop, the client's fetch work (WHATWG streams, header objects)
 * kept that loop about 90% busy at 500 requests/s: sends fell behind and queued, and what the
 * ack figure then measured was mostly the load generator. In a worker it has its own event loop
 * (and core), and the hub's loop does only the hub's work.
 */
import { Worker } from 'node:worker_threads';

export interface LoadRequest {
  url: string;
  method?: 'POST' | 'GET';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Per request, in the order sent. */
  latencies: number[];
  statuses: number[];
}

/**
 * `warmup` is sent once, unmeasured, before the paced requests: a fresh worker's first fetch
 * loads and compiles its HTTP client (tens of ms), which is not the server's time.
 */
export function pacedLoad(
  requests: readonly LoadRequest[],
  ratePerSecond: number,
  warmup?: LoadRequest,
) {
  return new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL('./paced-load.worker.js', import.meta.url), {
      workerData: { requests, ratePerSecond, warmup },
    });
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with code ${code}`));
    });
  });
}
