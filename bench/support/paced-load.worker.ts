/** The client side of bench/support/paced-load.ts, in its own thread. */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadRequest, LoadResult } from './paced-load.js';

const { requests, ratePerSecond, warmup } = workerData as {
  requests: LoadRequest[];
  ratePerSecond: number;
  warmup?: LoadRequest;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
const send = (request: LoadRequest) =>
  fetch(request.url, {
    method: request.method ?? 'POST',
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
  });

if (warmup) await (await send(warmup)).arrayBuffer();

const latencies = new Array<number>(requests.length);
const statuses = new Array<number>(requests.length);
const pending: Promise<void>[] = [];
const started = performance.now();
for (const [i, request] of requests.entries()) {
  await sleep(started + (i * 1000) / ratePerSecond - performance.now());
  const sent = performance.now();
  pending.push(
    send(request).then(async (res) => {
      await res.arrayBuffer();
      latencies[i] = performance.now() - sent;
      statuses[i] = res.status;
    }),
  );
}
await Promise.all(pending);
parentPort!.postMessage({ latencies, statuses } satisfies LoadResult);
