import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import {
  TargetRule,
  checkAddress,
  checkUrl,
  hostOf,
  isLocalhostName,
  type TargetRules,
} from './target-policy.js';

/** Every address a host name resolves to (the system resolver by default; tests pass theirs). */
export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: ResolveAll = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface ResolvedTarget {
  url: URL;
  /** The checked addresses the connection may use (and no other). */
  addresses: LookupAddress[];
}

export type TargetResolution =
  { ok: true; target: ResolvedTarget } | { ok: false; rule: TargetRule; message: string };

/**
 * Checks a receiver URL and resolves its host: refused when the URL breaks a rule or any of the
 * addresses is not allowed (a name that also resolves to a private address could be steered to
 * it by the resolver). Called at creation and before every attempt, so a DNS change is seen.
 */
export async function resolveTarget(
  raw: string,
  rules: TargetRules,
  resolve: ResolveAll = systemResolver,
): Promise<TargetResolution> {
  const checked = checkUrl(raw, rules);
  if (!checked.ok) return checked;
  const url = checked.url!;
  const host = hostOf(url);
  let addresses: LookupAddress[];
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else if (isLocalhostName(host)) {
    addresses = [{ address: '127.0.0.1', family: 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) {
      return { ok: false, rule: TargetRule.UNRESOLVABLE, message: `${host} does not resolve` };
    }
  }
  for (const { address } of addresses) {
    const verdict = checkAddress(address, rules);
    if (!verdict.ok) return verdict;
  }
  return { ok: true, target: { url, addresses } };
}

interface PinnedAgent {
  key: string;
  /** The resolution it was last asked for (resolutions are reused for a while). */
  target: ResolvedTarget;
  agent: Agent;
}

/**
 * One HTTP agent per endpoint whose connections may only go to the addresses last checked for
 * it: the socket's lookup answers from that list instead of asking DNS again, so a name that
 * re-resolves between the check and the connect (DNS rebinding) cannot reach anything else.
 * When a later check yields other addresses, the agent and its pooled connections are replaced.
 */
export class TargetAgents {
  private readonly agents = new Map<string, PinnedAgent>();

  constructor(private readonly options: { connections: number; connectTimeoutMs: number }) {}

  agentFor(endpointId: string, target: ResolvedTarget): Agent {
    const existing = this.agents.get(endpointId);
    if (existing?.target === target) return existing.agent;
    const key = `${target.url.origin}|${target.addresses.map((a) => a.address).join(',')}`;
    if (existing?.key === key) {
      existing.target = target;
      return existing.agent;
    }
    if (existing) void existing.agent.close().catch(() => undefined);
    const agent = new Agent({
      connections: this.options.connections,
      keepAliveTimeout: 10_000,
      connect: {
        timeout: this.options.connectTimeoutMs,
        lookup: pinnedLookup(target.addresses),
      },
    });
    this.agents.set(endpointId, { key, target, agent });
    return agent;
  }

  async close(endpointId?: string): Promise<void> {
    const ids = endpointId ? [endpointId] : [...this.agents.keys()];
    for (const id of ids) {
      const pinned = this.agents.get(id);
      this.agents.delete(id);
      await pinned?.agent.close().catch(() => undefined);
    }
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `net.connect` lookup that answers from checked addresses only. */
function pinnedLookup(addresses: readonly LookupAddress[]) {
  return (_host: string, options: { all?: boolean }, callback: LookupCallback): void => {
    if (options.all) {
      callback(null, [...addresses]);
      return;
    }
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  };
}
