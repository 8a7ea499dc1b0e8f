/**
 * What rendering produces: data, never files. The CLI writes a Bundle's files at the edge;
 * apply (later) works from its manifests and releases.
 */
import type { BundleFile, KubeObject } from "../vocabulary/objects.js";

export type { BundleFile, KubeObject };

/**
 * The order apply works in, per hub: a namespace before what lives in it, storage before the
 * drive that mounts it, secrets before the release that reads them, policies last.
 * "after-release" holds objects whose kinds the release itself defines (a tool's CRDs).
 */
export const APPLY_PHASES = [
  "namespace",
  "storage",
  "drive",
  "secrets",
  "release",
  "after-release",
  "network",
] as const;
export type ApplyPhase = (typeof APPLY_PHASES)[number];

export interface Manifest {
  readonly phase: ApplyPhase;
  /** The hub the object belongs to; absent for cluster-wide objects. */
  readonly hub?: string;
  /** The cluster tool (its release name) the object belongs to. */
  readonly tool?: string;
  readonly object: KubeObject;
}

export interface ChartRef {
  readonly repo: string;
  readonly name: string;
  readonly version: string;
}

/** A chart value apply fills in from a Secret (the bundle never holds the value itself). */
export interface SecretValue {
  /** Path in the chart's values. */
  readonly valuePath: readonly string[];
  readonly secretName: string;
  readonly key: string;
  /** The chart wants a list of keys (CryptKeeper) rather than one string. */
  readonly asList?: boolean;
  /** Namespace of the Secret; default: the release's own. */
  readonly namespace?: string;
}

export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  readonly chart: ChartRef;
  readonly values: Readonly<Record<string, unknown>>;
  readonly hub?: string;
  /** Set for a cluster tool's release (its value is the release name). */
  readonly tool?: string;
  /** Values apply reads from Secrets and merges in memory before calling helm. */
  readonly secretValues?: readonly SecretValue[];
}

/**
 * A Secret apply needs: created once and never written into rendered files (values generated
 * or read from files), or — "external" — made by another command, which apply only checks.
 */
export interface SecretRequest {
  readonly namespace: string;
  readonly name: string;
  readonly type: "generated" | "tls-from-files" | "external";
  /** For "external": what to run to create it. */
  readonly hint?: string;
  /** Keys it holds; values never appear in a bundle. */
  readonly keys: readonly string[];
  /** Keys with a fixed, non-secret value (e.g. a user name beside a generated password). */
  readonly literals?: Readonly<Record<string, string>>;
  readonly hub?: string;
  readonly tool?: string;
}

export interface Bundle {
  readonly files: readonly BundleFile[];
  readonly manifests: readonly Manifest[];
  readonly releases: readonly HelmRelease[];
  readonly secrets: readonly SecretRequest[];
}
