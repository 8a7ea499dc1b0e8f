/**
 * What rendering produces: data, never file text. bundleFiles (files.ts) turns a Bundle into
 * the render output's files; apply, plan and status work from its manifests and releases.
 */

import type { ChartRef } from "../vocabulary/charts.js";
import type { KubeObject } from "../vocabulary/objects.js";

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

/** A JSON document the render output carries as its own file (e.g. the fleet dashboard). */
export interface JsonDocument {
  /** Relative path inside the output directory, with '/' separators. */
  readonly path: string;
  readonly data: unknown;
}

/** One release with what lives around it: a cluster tool or a hub. */
export interface ReleaseUnit {
  /** The tool's release name or the hub's name; also its folder under tools/ or hubs/. */
  readonly name: string;
  readonly release: HelmRelease;
  /** Objects hubfleet applies itself around the release, in apply order. */
  readonly manifests: readonly Manifest[];
  readonly secrets: readonly SecretRequest[];
  /** Extra JSON files for the render output (a tool's dashboards). */
  readonly documents?: readonly JsonDocument[];
  /** A hub outside its term: rendered asleep ("asleep until 2027-01-17 (…)"). */
  readonly asleep?: string;
}

export interface Bundle {
  /** The cluster's configs for the tools that create it (eksctl, kind), as data. */
  readonly clusterConfigs: {
    readonly eksctl: Readonly<Record<string, unknown>>;
    readonly kind: Readonly<Record<string, unknown>>;
  };
  /** Cluster-wide objects (tool namespaces, storage), applied before any hub. */
  readonly clusterManifests: readonly Manifest[];
  /** The shared data sets' servers, applied with the cluster-wide objects. */
  readonly datasetManifests: readonly Manifest[];
  /**
   * The fleet's shared parts (one user-scheduler, one image puller, the priority classes),
   * applied with the cluster-wide objects, before any hub.
   */
  readonly sharedManifests: readonly Manifest[];
  readonly tools: readonly ReleaseUnit[];
  readonly hubs: readonly ReleaseUnit[];
  /** Every manifest above, in apply order: cluster, data sets, shared parts, tools, hubs. */
  readonly manifests: readonly Manifest[];
  /** Every release: tools, then hubs. */
  readonly releases: readonly HelmRelease[];
  /** Every Secret apply creates or checks: tools', then hubs'. */
  readonly secrets: readonly SecretRequest[];
}
