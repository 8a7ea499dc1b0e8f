/** What every bench section gets: the sizes, the run count, a temp dir, the CLI and a logger. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SizeResult } from "../sections/moonshot.js";
import type { HubfleetCli } from "./cli.js";
import type { BenchCluster } from "./cluster.js";
import type { Figure } from "./figures.js";

export interface Sizes {
  /** Hubs in the rendered fleet. */
  readonly renderHubs: number;
  /** Hubs in the applied fleet (first apply, no-op, baseline, one-hub change). */
  readonly applyHubs: number;
  /** Hubs whose status is read. */
  readonly statusHubs: number;
  /** User pods in the packing burst, and the hubs they come from. */
  readonly pods: number;
  readonly packingHubs: number;
  /** Instance type of the packing pool's jhusers nodes. */
  readonly packingInstanceType: string;
  /** Hubs of the fleet the reliability suite works on. */
  readonly reliabilityHubs: number;
  /** kill -9 points, apiserver restarts, concurrent-apply trials. */
  readonly kills: number;
  readonly restarts: number;
  readonly concurrent: number;
  /** Generated fleet files through validate and render. */
  readonly fuzzRuns: number;
  /** Fleet sizes of the moonshot section, smallest first (`--moonshot-hubs 100,250`). */
  readonly moonshotHubs: readonly number[];
  /** Moonshot sizes above this run render and validate only (no control plane). */
  readonly moonshotClusterMax: number;
  /** results.json files of earlier moonshot runs whose sizes join this run's table. */
  readonly moonshotWith: readonly string[];
  /** The class-start burst: students, the minutes they log in over, a new node's start-up (s), time compression. */
  readonly classStudents: number;
  readonly classMinutes: number;
  readonly classNodeDelay: number;
  readonly classCompression: number;
  /** What adds user nodes in the class-start bench: the real Karpenter, or the node pool stand-in. */
  readonly classAutoscaler: ClassAutoscaler;
  /** Which class-start setups run (`--class-setups none,handset,...`); empty: all. */
  readonly classSetups: readonly string[];
}

/** The class-start setups, by the key `--class-setups` names them with. */
export const CLASS_SETUPS = ["none", "handset", "hubfleet", "frontloaded", "reference"] as const;

/** `--class-setups`' value (comma-separated keys), or a clear error naming the choices. */
export function classSetupsOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  const keys = text.split(",").map((k) => k.trim());
  const bad = keys.filter((k) => !(CLASS_SETUPS as readonly string[]).includes(k));
  if (bad.length > 0) {
    throw new Error(`--class-setups ${bad.join(",")}: want some of ${CLASS_SETUPS.join(", ")}`);
  }
  return keys;
}

export const CLASS_AUTOSCALERS = ["karpenter", "standin"] as const;
export type ClassAutoscaler = (typeof CLASS_AUTOSCALERS)[number];

/** `--class-autoscaler`'s value, or a clear error naming the choices. */
export function classAutoscalerOf(
  text: string | undefined,
  fallback: ClassAutoscaler,
): ClassAutoscaler {
  if (text === undefined) return fallback;
  const found = CLASS_AUTOSCALERS.find((a) => a === text);
  if (!found) {
    throw new Error(`--class-autoscaler ${text}: want one of ${CLASS_AUTOSCALERS.join(", ")}`);
  }
  return found;
}

export const FULL_SIZES: Sizes = {
  renderHubs: 500,
  applyHubs: 50,
  statusHubs: 100,
  pods: 300,
  packingHubs: 6,
  packingInstanceType: "m5.2xlarge",
  reliabilityHubs: 3,
  kills: 20,
  restarts: 3,
  concurrent: 3,
  fuzzRuns: 10_000,
  moonshotHubs: [100, 250, 500, 1000],
  moonshotClusterMax: 1000,
  moonshotWith: [],
  classStudents: 300,
  classMinutes: 8,
  classNodeDelay: 180,
  classCompression: 6,
  classAutoscaler: "karpenter",
  classSetups: [],
};

export const QUICK_SIZES: Sizes = {
  ...FULL_SIZES,
  renderHubs: 50,
  applyHubs: 5,
  statusHubs: 10,
  pods: 30,
  packingHubs: 3,
  kills: 2,
  restarts: 1,
  concurrent: 1,
  fuzzRuns: 200,
  moonshotHubs: [10, 20],
  moonshotClusterMax: 20,
  classStudents: 30,
  classCompression: 12,
};

export interface BenchContext {
  readonly repo: string;
  readonly sizes: Sizes;
  /** Repetitions of each timed figure (the median is reported). */
  readonly runs: number;
  readonly quick: boolean;
  /** A temp dir for this run (removed at the end). */
  readonly tmp: string;
  cli(): Promise<HubfleetCli>;
  log(message: string): void;
  /** Writes a file under the run's temp dir and returns its path. */
  file(name: string, content: string): string;
  /** A control plane one section leaves for the next (apply → status); stopped at the end. */
  shared: {
    fleetCluster?: BenchCluster;
    /** Tables a section prints after the figure table (the moonshot's size × phase table). */
    tables?: string[];
    moonshot?: readonly SizeResult[];
  };
}

export interface Section {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

export function tempDir(parent: string, prefix: string): string {
  return mkdtempSync(join(parent, prefix));
}

export function writeFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
