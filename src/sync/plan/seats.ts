/** Seats of the company: ACTIVE users count against the seat limit (null = unlimited). */
export interface SeatCounter {
  readonly limit: number | null;
  free(): boolean;
  take(): void;
}

export function seatCounter(limit: number | null, used: number): SeatCounter {
  let taken = used;
  return {
    limit,
    free: () => limit === null || taken < limit,
    take: () => void (taken += 1),
  };
}
