/**
 * Cron schedules as Velero reads them (robfig/cron's standard parser): five fields or an
 * @-descriptor. Only checks; Velero itself decides when a schedule fires.
 */

export const CRON_FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;
export type CronField = (typeof CRON_FIELDS)[number];

export interface CronError {
  /** The field that is wrong, or "expression" when the whole text is. */
  readonly field: CronField | "expression";
  readonly message: string;
}

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
  readonly note?: string;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const BOUNDS: Readonly<Record<CronField, Bounds>> = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  "day-of-month": { min: 1, max: 31 },
  month: { min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  // Velero's parser stops at 6: Sunday is 0 only, never 7.
  "day-of-week": {
    min: 0,
    max: 6,
    names: Object.fromEntries(DAYS.map((d, i) => [d, i])),
    note: "Sunday is 0 or SUN",
  },
};

const DESCRIPTORS = [
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
];

/** Go's time.ParseDuration units, as `@every` takes them. */
const GO_DURATION = /^(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

/** What is wrong with a schedule, or undefined when Velero accepts it. */
export function checkCron(expression: string): CronError | undefined {
  if (expression.trim() === "") return { field: "expression", message: "the schedule is empty" };
  if (expression.startsWith("@")) return checkDescriptor(expression);
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return {
      field: "expression",
      message: `expected 5 fields (${CRON_FIELDS.join(" ")}), found ${fields.length}`,
    };
  }
  for (const [i, name] of CRON_FIELDS.entries()) {
    const message = checkField(fields[i] ?? "", BOUNDS[name]);
    if (message !== undefined) {
      return { field: name, message: `the ${name} field "${fields[i]}" ${message}` };
    }
  }
  return undefined;
}

function checkDescriptor(expression: string): CronError | undefined {
  if (DESCRIPTORS.includes(expression)) return undefined;
  const every = /^@every (.*)$/.exec(expression);
  if (!every) {
    return {
      field: "expression",
      message: `"${expression}" is not a descriptor (${DESCRIPTORS.join(", ")}, @every <duration>)`,
    };
  }
  const duration = every[1] ?? "";
  if (!GO_DURATION.test(duration)) {
    return {
      field: "expression",
      message: `"${duration}" is not a duration such as 30m, 6h or 1h30m`,
    };
  }
  if (!/[1-9]/.test(duration)) {
    return { field: "expression", message: "@every needs a duration longer than zero" };
  }
  return undefined;
}

/** A comma-separated list of `*`, `?`, a value or a range, each with an optional `/step`. */
function checkField(field: string, bounds: Bounds): string | undefined {
  for (const item of field.split(",")) {
    if (item === "") return "has an empty list item";
    const message = checkItem(item, bounds);
    if (message !== undefined) return message;
  }
  return undefined;
}

function checkItem(item: string, bounds: Bounds): string | undefined {
  const [range = "", step, ...extra] = item.split("/");
  if (extra.length > 0) return `has more than one "/" in "${item}"`;
  if (step !== undefined && !/^[0-9]+$/.test(step))
    return `has a step "${step}" that is not a number`;
  if (step !== undefined && Number(step) === 0) return "has a step of 0";
  if (range === "*" || range === "?") return undefined;
  const [low = "", high, ...more] = range.split("-");
  if (more.length > 0) return `has more than one "-" in "${range}"`;
  const start = fieldValue(low, bounds);
  const end = high === undefined ? start : fieldValue(high, bounds);
  for (const [text, value] of [
    [low, start],
    [high, end],
  ] as const) {
    if (text === undefined) continue;
    if (value === undefined) return `has "${text}", which is ${describeAllowed(bounds)}`;
    if (value < bounds.min || value > bounds.max) {
      return `is out of range ${bounds.min}-${bounds.max}${bounds.note ? ` (${bounds.note})` : ""}`;
    }
  }
  if (start !== undefined && end !== undefined && start > end) {
    return `has a range "${range}" that runs backwards`;
  }
  return undefined;
}

function fieldValue(text: string, bounds: Bounds): number | undefined {
  if (/^[0-9]+$/.test(text)) return Number(text);
  return bounds.names?.[text.toLowerCase()];
}

function describeAllowed(bounds: Bounds): string {
  const names = bounds.names ? Object.keys(bounds.names) : [];
  const example = names.length > 0 ? ` or a name such as ${names[1]?.toUpperCase()}` : "";
  return `not a number${example}`;
}
