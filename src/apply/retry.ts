/** Retries with exponential backoff for the failures worth retrying (conflicts, timeouts, restarts). */
import { ClusterError } from "../ports/kube.js";

export interface RetryOptions {
  readonly attempts?: number;
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly retryable?: (err: unknown) => boolean;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const isRetryable = (err: unknown): boolean => err instanceof ClusterError && err.retryable;

export async function retry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseMs ?? 200;
  const max = options.maxMs ?? 5000;
  const canRetry = options.retryable ?? isRetryable;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !canRetry(err)) throw err;
      await sleep(Math.min(max, base * 2 ** (attempt - 1)));
    }
  }
}

/** Runs `work` over `items` with at most `limit` at a time; results in input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** At most `limit` of the functions given to it run at a time; the others queue, in order. */
export function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finishing function hands its slot straight to the next in the queue.
    if (running >= Math.max(1, limit)) await new Promise<void>((r) => queue.push(r));
    else running += 1;
    try {
      return await fn();
    } finally {
      const waiter = queue.shift();
      if (waiter) waiter();
      else running -= 1;
    }
  };
}
