/**
 * The part of a fleet file that passed the schema, so that the cross-field checks can run
 * beside the schema errors and every problem is reported in one run.
 */
import type { z } from "zod";
import { API_VERSION, type FleetSpec, fleetSchema } from "./schema.js";

/**
 * What a cross-field check may read. "hubs" and "datasets" mean the list itself; "hubs[]" and
 * "datasets[]" mean that every element is there (none was left out for its own errors).
 */
export type Part =
  | "cluster"
  | "domain"
  | "tools"
  | "hubDefaults"
  | "rollout"
  | "freeze"
  | "terms"
  | "hubs"
  | "hubs[]"
  | "datasets"
  | "datasets[]";

export interface ParsedPart {
  /**
   * The fleet's spec with stand-ins for the broken parts. A hub or data set with an error is
   * a hole in its list, so the others keep their index (and their error paths).
   */
  readonly spec: FleetSpec;
  /** The parts that failed the schema: checks that read them are skipped. */
  readonly broken: ReadonlySet<Part>;
}

/** Valid stand-ins for sections that failed: never checked, only there to build a model. */
const STAND_INS: Record<
  "cluster" | "domain" | "tools" | "hubDefaults" | "rollout" | "freeze" | "terms",
  unknown
> = {
  cluster: { name: "stand-in", region: "us-east-1" },
  domain: { host: "stand-in.invalid" },
  tools: {},
  hubDefaults: {},
  rollout: undefined,
  freeze: [],
  terms: [],
};

type Section = keyof typeof STAND_INS;
const isSection = (key: unknown): key is Section =>
  typeof key === "string" && Object.hasOwn(STAND_INS, key);

/**
 * What of `input` parsed, given the schema's issues with it; undefined when nothing useful
 * did (then only the schema errors are reported).
 */
export function parsedPart(
  input: Readonly<Record<string, unknown>>,
  issues: readonly z.core.$ZodIssue[],
): ParsedPart | undefined {
  const broken = new Set<Part>();
  const dropped = { hubs: new Set<number>(), datasets: new Set<number>() };
  const pruned: Record<string, unknown> = { ...input };
  for (const issue of issues) {
    const [top, index] = issue.path;
    if (top === undefined) {
      // Unknown top-level fields: nothing reads them.
      if (issue.code === "unrecognized_keys") for (const key of issue.keys) delete pruned[key];
      else return undefined;
    } else if (top === "hubs" || top === "datasets") {
      if (typeof index === "number") {
        dropped[top].add(index);
        broken.add(`${top}[]`);
      } else {
        broken.add(top);
        pruned[top] = [];
      }
    } else if (isSection(top)) {
      broken.add(top);
      pruned[top] = STAND_INS[top];
    } else if (top === "apiVersion" || top === "kind" || top === "$schema") {
      // Read by no check; only there to name the file's format.
      pruned.apiVersion = API_VERSION;
      pruned.kind = "Fleet";
      delete pruned.$schema;
    } else {
      return undefined;
    }
  }
  const kept = {
    hubs: keptIndexes(pruned.hubs, dropped.hubs),
    datasets: keptIndexes(pruned.datasets, dropped.datasets),
  };
  if (kept.hubs) pruned.hubs = kept.hubs.map((i) => (pruned.hubs as unknown[])[i]);
  if (kept.datasets) pruned.datasets = kept.datasets.map((i) => (pruned.datasets as unknown[])[i]);
  const parsed = fleetSchema.safeParse(pruned);
  if (!parsed.success) return undefined;
  return {
    spec: {
      ...parsed.data,
      hubs: withHoles(parsed.data.hubs, kept.hubs, input.hubs),
      datasets: withHoles(parsed.data.datasets, kept.datasets, input.datasets),
    },
    broken,
  };
}

/** The indexes of a list's elements that are kept, or undefined when it is not a list. */
function keptIndexes(list: unknown, dropped: ReadonlySet<number>): number[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((_, i) => (dropped.has(i) ? [] : [i]));
}

/** The parsed elements back at their places in the file's list, with holes where some were dropped. */
function withHoles<T>(
  parsed: readonly T[],
  kept: readonly number[] | undefined,
  original: unknown,
): T[] {
  if (kept === undefined || !Array.isArray(original)) return [...parsed];
  const out = new Array<T>(original.length);
  for (const [i, at] of kept.entries()) {
    const element = parsed[i];
    if (element !== undefined) out[at] = element;
  }
  return out;
}
