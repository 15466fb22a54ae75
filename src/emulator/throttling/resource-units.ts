/**
 * Resource units of the identity service limits (docs: concepts/throttling-limits.md): base cost
 * by request path (`users` 2, `groups/{id}/members` 3, `groups/{id}/transitiveMembers` 5, any
 * other identity path 1), then `$select` -1, `$expand` +1, `$top` under 20 -1, never below 1.
 */
export function resourceUnitCost(baseCost: number, query: URLSearchParams): number {
  let cost = baseCost;
  if (query.has('$select')) cost -= 1;
  if (query.has('$expand')) cost += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && Number.isFinite(top) && top < 20) cost -= 1;
  return Math.max(1, cost);
}

/** Per app and tenant, per 10 seconds, by tenant size (S < 50 users, M 50-500, L > 500). */
export function resourceUnitLimit(activeUsers: number): number {
  if (activeUsers < 50) return 3500;
  if (activeUsers <= 500) return 5000;
  return 8000;
}
