/**
 * The "latency link": a vhost's request times while connections to a
 * destination were open, beside the same figures while none were, so a
 * sporadic slowness is shown with numbers. Requests and connection
 * intervals are kept in bounded rings (the most recent ones).
 */
export type Interval = { start: number; end: number };
/** A request: when it may have run, and how long it took (ms). */
export type RequestSpan = Interval & { duration: number };
export type Quantiles = { requests: number; p50_ms: number; p95_ms: number; p99_ms: number };
export type LatencyLink = { with_connections: Quantiles; without_connections: Quantiles };

export function createRing<T>(capacity: number) {
  const items: T[] = [];
  let next = 0;
  return {
    push(item: T) {
      if (items.length < capacity) items.push(item);
      else items[next] = item;
      next = (next + 1) % capacity;
    },
    values: (): readonly T[] => items,
    /** The item pushed last. */
    last: (): T | undefined => items[(next - 1 + capacity) % capacity],
  };
}

export function latencyLink(requests: readonly RequestSpan[], connections: readonly Interval[]): LatencyLink {
  const sorted = [...connections].sort((a, b) => a.start - b.start);
  const within: number[] = [];
  const outside: number[] = [];
  for (const request of requests) {
    (overlaps(sorted, request) ? within : outside).push(request.duration);
  }
  return { with_connections: quantiles(within), without_connections: quantiles(outside) };
}

function overlaps(sorted: readonly Interval[], request: Interval): boolean {
  // The last interval starting before the request ends is the only candidate once intervals are merged; check a few back.
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as Interval).start <= request.end) low = middle + 1;
    else high = middle;
  }
  for (let index = low - 1; index >= 0 && index >= low - 64; index--) {
    if ((sorted[index] as Interval).end >= request.start) return true;
  }
  return false;
}

export function quantiles(durationsMs: number[]): Quantiles {
  if (durationsMs.length === 0) return { requests: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0 };
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return { requests: sorted.length, p50_ms: round(at(0.5)), p95_ms: round(at(0.95)), p99_ms: round(at(0.99)) };
}

const round = (value: number) => Math.round(value * 10) / 10;
