/**
 * The start-up check of the V8 heap budget against the container's memory limit
 * (src/observability/heap-budget.ts): what the image ships passes, a heap sized from the host's
 * memory inside a smaller container is named with the flag that fixes it.
 */
import { describe, expect, it } from '@jest/globals';
import { heapBudgetProblem, memoryFacts } from '../../src/observability/heap-budget.js';

const MB = 1_048_576;
const HOST = 24 * 1024 * MB;

describe('the heap budget against the memory limit', () => {
  it("passes the image's budget in compose's container (512 MB of old space, 560 MB of heap, 768 MB)", () => {
    expect(
      heapBudgetProblem({
        heapLimitBytes: 560 * MB,
        memoryLimitBytes: 768 * MB,
        totalMemoryBytes: HOST,
      }),
    ).toBeNull();
  });

  it('names a heap sized from the host inside a smaller container, with two thirds of the limit', () => {
    const problem = heapBudgetProblem({
      heapLimitBytes: 4_144 * MB,
      memoryLimitBytes: 768 * MB,
      totalMemoryBytes: HOST,
    });
    expect(problem).toContain(
      'The V8 heap limit (4144 MB) is over three quarters of the memory limit (768 MB)',
    );
    expect(problem).toContain('NODE_OPTIONS=--max-old-space-size=512');
  });

  it("names the image's budget in a container made smaller than it", () => {
    expect(
      heapBudgetProblem({
        heapLimitBytes: 560 * MB,
        memoryLimitBytes: 512 * MB,
        totalMemoryBytes: HOST,
      }),
    ).toContain('--max-old-space-size=341');
  });

  it('says nothing without a limit, or with one no lower than the host memory (an unlimited cgroup)', () => {
    for (const memoryLimitBytes of [0, HOST, 2 ** 44]) {
      expect(
        heapBudgetProblem({ heapLimitBytes: 4_144 * MB, memoryLimitBytes, totalMemoryBytes: HOST }),
      ).toBeNull();
    }
  });

  it("reads this process's figures", () => {
    const facts = memoryFacts();
    expect(facts.heapLimitBytes).toBeGreaterThan(0);
    expect(facts.totalMemoryBytes).toBeGreaterThan(0);
    expect(facts.memoryLimitBytes).toBeGreaterThanOrEqual(0);
  });
});
