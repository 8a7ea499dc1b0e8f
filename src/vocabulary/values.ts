/** Reading nested plain data (chart values, an object's spec) by a path of keys. */

/** The value at `path`, or undefined where a step is missing or not a map. */
export function valueAtPath(values: unknown, path: readonly string[]): unknown {
  let current = values;
  for (const key of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Readonly<Record<string, unknown>>)[key];
  }
  return current;
}
