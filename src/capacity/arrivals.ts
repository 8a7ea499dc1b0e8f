/**
 * How a class logs in: the share of the class that has arrived a given time after the start of
 * its login window, on the front-loaded curve the class-start bench and load-test draw from
 * (docs/design.md, "The login burst's arrival curve"). Pure.
 */

/**
 * The curve's time constant as a share of the login window: a quarter, so about 63 % of the
 * class has arrived after the first quarter of the window (2 of 8 minutes) and all by its end
 * (an exponential decay cut at the window and rescaled).
 */
export const ARRIVAL_TIME_CONSTANT_SHARE = 0.25;

/** The share of the class (0–1) that has logged in `elapsed` after its window opened. */
export function arrivedShare(elapsed: number, window: number): number {
  if (!(window > 0)) return 1;
  if (elapsed <= 0) return 0;
  if (elapsed >= window) return 1;
  const tau = window * ARRIVAL_TIME_CONSTANT_SHARE;
  return (1 - Math.exp(-elapsed / tau)) / (1 - Math.exp(-window / tau));
}
