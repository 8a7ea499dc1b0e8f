/**
 * When each student of a class-start burst logs in: a seeded, front-loaded arrival curve over
 * the burst's span (docs/design.md, "The login burst's arrival curve"). Pure and deterministic.
 */

import { ARRIVAL_TIME_CONSTANT_SHARE } from "../capacity/arrivals.js";

/** A small seeded generator (mulberry32): the same seed gives the same class every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Login moments (ms from the burst's start, ascending) of `students` over `spanMs`: draws from
 * an exponential decay cut at the span, by its inverse distribution. Seeded.
 */
export function arrivalTimes(students: number, spanMs: number, seed: number): number[] {
  if (!Number.isInteger(students) || students < 0) {
    throw new RangeError(`students must be a whole number >= 0, not ${students}`);
  }
  if (!(spanMs > 0)) throw new RangeError(`the span must be positive, not ${spanMs} ms`);
  const random = seededRandom(seed);
  const tau = spanMs * ARRIVAL_TIME_CONSTANT_SHARE;
  const cut = 1 - Math.exp(-spanMs / tau);
  const times = Array.from({ length: students }, () => {
    const u = random();
    return Math.min(spanMs, -tau * Math.log(1 - u * cut));
  });
  return times.sort((a, b) => a - b).map((t) => Math.round(t));
}

/** How many of the arrivals fall in each of `buckets` equal parts of the span (for reports). */
export function arrivalHistogram(
  times: readonly number[],
  spanMs: number,
  buckets: number,
): number[] {
  const counts = Array.from({ length: buckets }, () => 0);
  for (const t of times) {
    const i = Math.min(buckets - 1, Math.floor((t / spanMs) * buckets));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}
