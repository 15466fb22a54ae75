import os from 'node:os';
import v8 from 'node:v8';

/** The share of a container's memory the V8 heap may take; the rest is code, buffers, sockets. */
export const HEAP_SHARE_MAX = 0.75;

export interface MemoryFacts {
  /** V8's heap limit (old space and young generation). */
  heapLimitBytes: number;
  /** The memory limit the OS imposes (a container's cgroup); 0 when none is known. */
  memoryLimitBytes: number;
  totalMemoryBytes: number;
}

/** This process's. */
export function memoryFacts(): MemoryFacts {
  return {
    heapLimitBytes: v8.getHeapStatistics().heap_size_limit,
    memoryLimitBytes: process.constrainedMemory?.() ?? 0,
    totalMemoryBytes: os.totalmem(),
  };
}

const mb = (bytes: number) => Math.round(bytes / 1_048_576);

/**
 * Why the heap budget does not fit the container, or null. A V8 heap limit over HEAP_SHARE_MAX of
 * the memory limit lets V8 keep garbage until the container is killed (exit 137) while the heap
 * still looks roomy to it: V8 sizes the heap from the host's memory unless told (the image sets
 * 512 MB for compose's 768 MB; docs/operations.md).
 */
export function heapBudgetProblem(facts: MemoryFacts): string | null {
  const limit = facts.memoryLimitBytes;
  // No limit, or none below the host's memory (an unlimited cgroup reports a huge number).
  if (limit <= 0 || limit >= facts.totalMemoryBytes) return null;
  if (facts.heapLimitBytes <= limit * HEAP_SHARE_MAX) return null;
  return (
    `The V8 heap limit (${mb(facts.heapLimitBytes)} MB) is over three quarters of the memory ` +
    `limit (${mb(limit)} MB): set NODE_OPTIONS=--max-old-space-size=${Math.floor((mb(limit) * 2) / 3)} ` +
    '(two thirds of it), or the process may be killed before V8 collects its garbage.'
  );
}
