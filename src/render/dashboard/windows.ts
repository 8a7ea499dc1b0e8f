/**
 * Time windows and legends the dashboard's queries share. Windows are Grafana's variables
 * where Grafana should choose, fixed where the events are rare.
 */

/** Grafana's own window for rate(): at least four scrape intervals, wider when zoomed out. */
export const RATE = "$__rate_interval";
/** The dashboard's time range. */
export const RANGE = "$__range";
/** Spawns and proxy polls are rare events: a 5-minute window is mostly empty, an hour is not. */
export const HOUR = "1h";

export const HUB_LEGEND = "{{namespace}}";
