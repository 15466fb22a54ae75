/**
 * The figures the issues name (5: sync engine, 6: real-time, 8: naive vs delta, 16: live events,
 * 18: outbound webhooks),
 * looked up in the benches' JSON by key pattern so a bench can grow without breaking the report.
 * A figure no bench produced is listed as missing, never silently dropped.
 */
import { formatFigure, type Figures } from './figures.js';

export interface RequiredFigure {
  issue: number;
  figure: string;
  target: string;
  /** Benches to look in, in order of preference. */
  bench: string | string[];
  /** Key patterns, tried in order, against the bench's flattened figure keys. */
  keys: RegExp[];
}

export const REQUIRED_FIGURES: RequiredFigure[] = [
  {
    issue: 5,
    figure: '10k users / 200 groups: initial full sync',
    target: '< 30 s',
    bench: 'sync',
    keys: [/^(?=.*10k)(?=.*(initial|full)).*Ms$/i, /^(?=.*initial)(?=.*full).*Ms$/i],
  },
  {
    issue: 5,
    figure: '10k: idle delta sync time',
    target: '',
    bench: 'sync',
    keys: [/^(?=.*idle)(?=.*delta)?.*Ms$/i],
  },
  {
    issue: 5,
    figure: '10k: idle delta sync Graph requests',
    target: '<= 2',
    bench: 'sync',
    keys: [/^(?=.*idle).*(graphRequests|requests)$/i],
  },
  {
    issue: 5,
    figure: '10k: 100-change delta sync time',
    target: '',
    bench: 'sync',
    keys: [/hundredChange\w*Ms$/i, /^(?=.*100)(?=.*(change|delta)).*Ms$/i],
  },
  {
    issue: 5,
    figure: '100k users: full sync time',
    target: '< 5 min',
    bench: 'sync',
    keys: [/^(?=.*100k)(?=.*full).*Ms$/i, /^(?=.*100k).*Ms$/i],
  },
  {
    issue: 5,
    figure: '100k users: peak RSS',
    target: '<= 512 MB',
    bench: 'sync',
    keys: [/rss/i],
  },
  {
    issue: 6,
    figure: 'validation handshake @500/s, median',
    target: '',
    bench: ['realtime', 'webhooks'],
    keys: [/^validation\.medianMs$/],
  },
  {
    issue: 6,
    figure: 'validation handshake @500/s, p99',
    target: '',
    bench: ['realtime', 'webhooks'],
    keys: [/^validation\.p99Ms$/],
  },
  {
    issue: 6,
    figure: 'notification ack @500/s, median',
    target: '',
    bench: ['realtime', 'webhooks'],
    keys: [/^notificationAck\.medianMs$/],
  },
  {
    issue: 6,
    figure: 'notification ack @500/s, p99 (realtime: after the first second)',
    target: '< 50 ms',
    bench: ['realtime', 'webhooks'],
    keys: [/^notificationAck\.p99Ms$/],
  },
  {
    issue: 6,
    figure: 'notification ack @500/s, p99 of the first second (cold process and connectors)',
    target: '',
    bench: 'realtime',
    keys: [/^notificationAck\.firstSecond\.p99Ms$/],
  },
  {
    issue: 6,
    figure: 'end-to-end emulator change -> directory via webhook, median',
    target: '',
    bench: 'realtime',
    keys: [/^endToEnd\.webhook\.appliedMedianMs$/, /^endToEnd\.webhook\.medianMs$/],
  },
  {
    issue: 6,
    figure: 'end-to-end emulator change -> directory via webhook, p95',
    target: '< 2 s',
    bench: 'realtime',
    keys: [/^endToEnd\.webhook\.appliedP95Ms$/, /^endToEnd\.webhook\.p95Ms$/],
  },
  {
    issue: 6,
    figure: 'end-to-end emulator change -> directory via poll, median',
    target: '',
    bench: 'realtime',
    keys: [/^endToEnd\.poll\.appliedMedianMs$/, /^endToEnd\.poll\.medianMs$/],
  },
  {
    issue: 6,
    figure: 'end-to-end emulator change -> directory via poll, p95',
    target: '',
    bench: 'realtime',
    keys: [/^endToEnd\.poll\.appliedP95Ms$/, /^endToEnd\.poll\.p95Ms$/],
  },
  {
    issue: 6,
    figure: 'idle connectors one instance polls per minute',
    target: '>= 2,000',
    bench: ['realtime-idle', 'realtime', 'webhooks'],
    keys: [/^idlePoll\.polledWithinWindow$/, /^pollPaced\.equivalentConnectorsPerMinute$/],
  },
  {
    issue: 16,
    figure: 'live status change on A -> graphql-ws subscriber on B, median',
    target: '',
    bench: 'realtime-live',
    keys: [/^liveOtherInstance\.medianMs$/],
  },
  {
    issue: 16,
    figure: 'live status change on A -> graphql-ws subscriber on B, p99',
    target: '<= 250 ms',
    bench: 'realtime-live',
    keys: [/^liveOtherInstance\.p99Ms$/],
  },
  {
    issue: 16,
    figure: 'live status change on A -> graphql-ws subscriber on B, max over every event',
    target: '',
    bench: 'realtime-live',
    keys: [/^liveOtherInstance\.maxMs$/],
  },
  {
    issue: 8,
    figure: 'naive full listing every cycle vs our idle delta: Graph requests (ratio)',
    target: '',
    bench: 'naive-vs-delta',
    keys: [/^ratio\.idleRequests$/],
  },
  {
    issue: 8,
    figure: 'naive full listing every cycle vs our idle delta: time (ratio)',
    target: '',
    bench: 'naive-vs-delta',
    keys: [/^ratio\.idleTime$/],
  },
  {
    issue: 8,
    figure: 'naive full listing every cycle vs our 100-change delta: Graph requests (ratio)',
    target: '',
    bench: 'naive-vs-delta',
    keys: [/^ratio\.changeRequests$/],
  },
  {
    issue: 8,
    figure: 'naive full listing every cycle vs our 100-change delta: time (ratio)',
    target: '',
    bench: 'naive-vs-delta',
    keys: [/^ratio\.changeTime$/],
  },
  {
    issue: 18,
    figure: 'change applied -> first delivery attempt, p95',
    target: '<= 1 s',
    bench: 'outbound',
    keys: [/^latency\.p95Ms$/],
  },
  {
    issue: 18,
    figure: '1,000 changes/s to 10 endpoints: changes written per second',
    target: '1,000',
    bench: 'outbound',
    keys: [/^fanout\.writtenPerSecond$/],
  },
  {
    issue: 18,
    figure: '1,000 changes/s to 10 endpoints: backlog growth (events/s)',
    target: '~0',
    bench: 'outbound',
    keys: [/^fanout\.backlogSlopePerSecond$/],
  },
  {
    issue: 18,
    figure: 'receiver down, then back: events lost',
    target: '0',
    bench: 'outbound',
    keys: [/^outage\.lost$/],
  },
  {
    issue: 18,
    figure: 'receiver down, then back: out of order per user',
    target: '0',
    bench: 'outbound',
    keys: [/^outage\.outOfOrder$/],
  },
];

export interface ResolvedFigure extends RequiredFigure {
  key: string | null;
  value: string;
}

export function resolveRequired(byBench: Record<string, Figures>): ResolvedFigure[] {
  return REQUIRED_FIGURES.map((required) => {
    const benches = typeof required.bench === 'string' ? [required.bench] : required.bench;
    const present = benches.filter((b) => byBench[b]);
    if (present.length === 0) {
      return { ...required, key: null, value: `missing (no ${benches.join('/')} bench)` };
    }
    for (const bench of present) {
      const figures = byBench[bench]!;
      for (const pattern of required.keys) {
        const key = Object.keys(figures).find(
          (k) => pattern.test(k) && typeof figures[k] === 'number',
        );
        if (key)
          return { ...required, key: `${bench}.${key}`, value: formatFigure(key, figures[key]) };
      }
    }
    return { ...required, key: null, value: 'missing (not in the bench output)' };
  });
}
