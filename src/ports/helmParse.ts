/**
 * Pure parsing of `helm ... -o json` output into the few facts hubfleet uses. Tested on
 * output recorded from the real helm binary.
 */
import { gunzipSync } from "node:zlib";
import { parseAllDocuments } from "yaml";

export type ReleaseStatus =
  | "deployed"
  | "failed"
  | "pending-install"
  | "pending-upgrade"
  | "pending-rollback"
  | "uninstalling"
  | "superseded"
  | "uninstalled"
  | "unknown";

export interface HelmReleaseInfo {
  readonly name: string;
  readonly namespace: string;
  readonly revision: number;
  readonly status: ReleaseStatus;
  /** Chart name and version, e.g. jupyterhub / 4.3.3. */
  readonly chartName: string;
  readonly chartVersion: string;
  readonly updated?: string;
  readonly description?: string;
  /** The objects of the release's manifest (from status and upgrade output, not from list). */
  readonly objects?: readonly ReleaseObject[];
}

/** One object helm installed: enough to find it and tell what it is for. */
export interface ReleaseObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** As written in the chart; absent means the release's namespace. */
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
}

const STATUSES: readonly ReleaseStatus[] = [
  "deployed",
  "failed",
  "pending-install",
  "pending-upgrade",
  "pending-rollback",
  "uninstalling",
  "superseded",
  "uninstalled",
];

export function parseStatusWord(value: unknown): ReleaseStatus {
  return typeof value === "string" && (STATUSES as readonly string[]).includes(value)
    ? (value as ReleaseStatus)
    : "unknown";
}

/** `helm list -o json` writes chart as "name-version"; the version starts at the last "-<digit>". */
export function splitChart(chart: string): { name: string; version: string } {
  const match = /^(.*)-(v?\d+\.\d+\.\d+.*)$/.exec(chart);
  return match
    ? { name: match[1] ?? chart, version: match[2] ?? "" }
    : { name: chart, version: "" };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`helm ${what} did not print JSON: ${text.slice(0, 200)}`);
  }
}

/** `helm list -A -o json`. */
export function parseHelmList(text: string): HelmReleaseInfo[] {
  const data = parseJson(text.trim() || "[]", "list");
  if (!Array.isArray(data)) throw new Error("helm list: expected a JSON array");
  return data.map((entry: Record<string, unknown>) => {
    const chart = splitChart(String(entry.chart ?? ""));
    return {
      name: String(entry.name),
      namespace: String(entry.namespace),
      revision: Number(entry.revision),
      status: parseStatusWord(entry.status),
      chartName: chart.name,
      chartVersion: chart.version,
      ...(typeof entry.updated === "string" ? { updated: entry.updated } : {}),
    };
  });
}

/** `helm status -o json` and `helm upgrade --install -o json` (the release object). */
export function parseHelmRelease(text: string): HelmReleaseInfo {
  const data = parseJson(text, "status") as {
    name?: string;
    namespace?: string;
    version?: number;
    info?: { status?: string; last_deployed?: string; description?: string };
    chart?: { metadata?: { name?: string; version?: string } };
    manifest?: string;
  };
  return {
    name: String(data.name),
    namespace: String(data.namespace),
    revision: Number(data.version),
    status: parseStatusWord(data.info?.status),
    chartName: String(data.chart?.metadata?.name ?? ""),
    chartVersion: String(data.chart?.metadata?.version ?? ""),
    ...(data.info?.last_deployed ? { updated: data.info.last_deployed } : {}),
    ...(data.info?.description ? { description: data.info.description } : {}),
    ...(typeof data.manifest === "string" ? { objects: parseReleaseManifest(data.manifest) } : {}),
  };
}

/** The objects of a release's rendered manifest (a YAML stream; empty documents skipped). */
export function parseReleaseManifest(text: string): ReleaseObject[] {
  const out: ReleaseObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    const value = doc.toJSON() as {
      apiVersion?: unknown;
      kind?: unknown;
      metadata?: { name?: unknown; namespace?: unknown; labels?: Record<string, unknown> };
    } | null;
    if (!value || typeof value.kind !== "string" || typeof value.metadata?.name !== "string") {
      continue;
    }
    const labels = Object.fromEntries(
      Object.entries(value.metadata.labels ?? {}).map(([k, v]) => [k, String(v)]),
    );
    out.push({
      apiVersion: String(value.apiVersion ?? ""),
      kind: value.kind,
      name: value.metadata.name,
      ...(typeof value.metadata.namespace === "string"
        ? { namespace: value.metadata.namespace }
        : {}),
      labels,
    });
  }
  return out;
}

export interface HelmHistoryEntry {
  readonly revision: number;
  readonly status: ReleaseStatus;
  readonly chart: string;
  readonly description: string;
}

/** `helm history -o json`, oldest first. */
export function parseHelmHistory(text: string): HelmHistoryEntry[] {
  const data = parseJson(text.trim() || "[]", "history");
  if (!Array.isArray(data)) throw new Error("helm history: expected a JSON array");
  return data
    .map((entry: Record<string, unknown>) => ({
      revision: Number(entry.revision),
      status: parseStatusWord(entry.status),
      chart: String(entry.chart ?? ""),
      description: String(entry.description ?? ""),
    }))
    .sort((a, b) => a.revision - b.revision);
}

/** `helm get values -o json`: the user-supplied values ("null" when there are none). */
export function parseHelmValues(text: string): Record<string, unknown> {
  const data = parseJson(text.trim() || "null", "get values");
  return data && typeof data === "object" && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : {};
}

/** True when helm says the release does not exist. */
export function isReleaseNotFound(stderr: string): boolean {
  return /release: not found|not found/i.test(stderr);
}

/** The Secret in which Helm 3 (its default "secret" storage driver) keeps one revision. */
export function releaseSecretName(release: string, revision: number): string {
  return `sh.helm.release.v1.${release}.v${revision}`;
}

/**
 * The values given to a release revision (what `helm get values` prints), read from its Secret:
 * `data.release` is base64 (the API's) of base64 (helm's) of the gzipped release JSON, whose
 * `config` holds the values. Undefined when the Secret does not hold a release. One API read
 * instead of a helm process per hub keeps `plan` of hundreds of hubs in seconds.
 */
export function releaseValuesFromSecret(secret: object): Record<string, unknown> | undefined {
  const { type, data } = secret as { type?: unknown; data?: Record<string, unknown> };
  if (type !== "helm.sh/release.v1" || typeof data?.release !== "string") return undefined;
  const inner = Buffer.from(Buffer.from(data.release, "base64").toString("utf8"), "base64");
  // Helm gzips what it stores; it reads a release that is not gzipped as is (magic bytes).
  const json = inner[0] === 0x1f && inner[1] === 0x8b ? gunzipSync(inner) : inner;
  const release = JSON.parse(json.toString("utf8")) as { config?: unknown };
  const config = release.config;
  return config && typeof config === "object" && !Array.isArray(config)
    ? (config as Record<string, unknown>)
    : {};
}
