/**
 * Turns the schema library's issues into findings a person can act on: what is wrong, in
 * words, and what to do about it.
 */
import type { z } from "zod";
import type { FieldPath, Finding } from "./problems.js";
import { formatPath } from "./problems.js";

export function findingsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.ZodType,
): Finding[] {
  return issues.flatMap((issue) => findingsFromIssue(issue, input, schema));
}

function findingsFromIssue(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType): Finding[] {
  const path = issue.path as FieldPath;
  const value = valueAt(input, path);
  const field = String(path[path.length - 1] ?? "the file");
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => unknownField(schema, input, path, key));
    case "invalid_type": {
      if (value === undefined) {
        return [
          error(
            path,
            `${field} is required`,
            `add "${field}:" here (see schema/fleet.schema.json)`,
          ),
        ];
      }
      if (field === "clientSecret" && typeof value === "string") {
        return [
          error(
            path,
            "an OAuth client secret may not be written in the fleet file",
            "create a Secret in the hub's namespace and reference it: clientSecret: {secretName: NAME, key: client-secret}",
          ),
        ];
      }
      return [
        error(
          path,
          `must be ${article(issue.expected)}, not ${describe(value)}`,
          issue.expected === "string" && typeof value === "number"
            ? `quote the value: "${String(value)}"`
            : undefined,
        ),
      ];
    }
    case "invalid_value":
      if (value === undefined) {
        return [
          error(
            path,
            `${field} is required`,
            `use one of: ${issue.values.map((v) => String(v)).join(", ")}`,
          ),
        ];
      }
      return [
        error(
          path,
          `${JSON.stringify(value)} is not allowed`,
          `use one of: ${issue.values.map((v) => String(v)).join(", ")}`,
        ),
      ];
    case "invalid_union": {
      const options = "options" in issue ? (issue.options as unknown[]) : undefined;
      if (options) {
        return [
          error(
            path,
            value === undefined
              ? `${field} is required`
              : `${JSON.stringify(value)} is not allowed`,
            `use one of: ${options.map(String).join(", ")}`,
          ),
        ];
      }
      // A union of plain types (a CPU amount: number or string): name what it accepts.
      const expected = issue.errors.flatMap((branch) =>
        branch.flatMap((inner) =>
          inner.code === "invalid_type" && inner.path.length === 0 ? [article(inner.expected)] : [],
        ),
      );
      if (expected.length > 0 && expected.length === issue.errors.length) {
        return [error(path, `must be ${expected.join(" or ")}, not ${describe(value)}`)];
      }
      return [error(path, issue.message)];
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const cmp = issue.code === "too_small" ? "at least" : "at most";
      const what =
        issue.origin === "array"
          ? `must have ${cmp} ${String(bound)} item(s)`
          : issue.origin === "string"
            ? `must be ${cmp} ${String(bound)} characters long`
            : `must be ${cmp} ${String(bound)}`;
      return [error(path, `${what} (got ${describe(value)})`)];
    }
    case "custom": {
      // Refinements that know what to do pass it as params.hint (e.g. quantities).
      const hint = (issue.params as { hint?: unknown } | undefined)?.hint;
      return [error(path, issue.message, typeof hint === "string" ? hint : undefined)];
    }
    default:
      return [error(path, issue.message)];
  }
}

function unknownField(schema: z.ZodType, input: unknown, parent: FieldPath, key: string): Finding {
  const path = [...parent, key];
  const known = knownKeysAt(schema, parent, input);
  const close = closest(key, known);
  if (key === "clientSecretValue" || /secret$/i.test(key)) {
    return {
      severity: "error",
      path,
      atKey: true,
      message: `unknown field "${key}"`,
      hint: "secret values never go in the fleet file: reference a Kubernetes Secret with clientSecret: {secretName, key}",
    };
  }
  return {
    severity: "error",
    path,
    atKey: true,
    message: `unknown field "${key}"${parent.length ? ` in ${formatPath(parent)}` : ""}`,
    hint: close
      ? `did you mean "${close}"?`
      : known.length
        ? `known fields here: ${known.join(", ")}`
        : "remove it",
  };
}

/** The field names the schema accepts at `path` (for "did you mean" hints). */
export function knownKeysAt(schema: z.ZodType, path: FieldPath, input: unknown): string[] {
  let current: unknown = schema;
  for (const [index, part] of [...path, null].entries()) {
    current = unwrap(current, valueAt(input, path.slice(0, index)));
    if (part === null) break;
    const def = defOf(current);
    if (def?.type === "object") current = (def.shape as Record<string, unknown>)[String(part)];
    else if (def?.type === "array") current = def.element;
    else if (def?.type === "record") current = def.valueType;
    else return [];
  }
  const def = defOf(current);
  return def?.type === "object" ? Object.keys(def.shape as object).sort() : [];
}

interface AnyDef {
  type: string;
  [key: string]: unknown;
}

function defOf(schema: unknown): AnyDef | undefined {
  return (schema as { _zod?: { def?: AnyDef } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown, value: unknown): unknown {
  let current = schema;
  for (let guard = 0; guard < 10; guard += 1) {
    const def = defOf(current);
    if (!def) return current;
    if (["optional", "default", "prefault", "nullable", "readonly"].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === "pipe") {
      current = def.in;
    } else if (def.type === "union") {
      const options = def.options as unknown[];
      const discriminator = (def as { discriminator?: string }).discriminator;
      const wanted =
        discriminator && value && typeof value === "object"
          ? (value as Record<string, unknown>)[discriminator]
          : undefined;
      current =
        options.find((option) => {
          const shape = defOf(option)?.shape as Record<string, unknown> | undefined;
          const literal = discriminator ? defOf(shape?.[discriminator]) : undefined;
          return (literal?.values as unknown[] | undefined)?.includes(wanted);
        }) ?? options[0];
    } else {
      return current;
    }
  }
  return current;
}

export function valueAt(input: unknown, path: FieldPath): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** The candidate nearest to `key` by edit distance, when it is close enough to be a typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function article(expected: string): string {
  const words: Record<string, string> = {
    object: "a mapping",
    record: "a mapping",
    array: "a list",
    string: "a string",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
  };
  return words[expected] ?? expected;
}

function error(path: FieldPath, message: string, hint?: string): Finding {
  return hint === undefined
    ? { severity: "error", path, message }
    : { severity: "error", path, message, hint };
}
