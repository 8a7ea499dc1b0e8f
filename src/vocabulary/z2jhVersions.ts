/**
 * The zero-to-jupyterhub chart versions hubfleet supports, as data: one file per version in
 * data/z2jh/ (written by scripts/gen-z2jh-keys.ts from the chart's own files at its release
 * tag) with the values key tree, the images the chart runs and its hub image's programs.
 * Supporting a new version is adding its file, not code.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ChartRef } from "./charts.js";
import type { Z2jhObjectNode } from "./z2jhKeys.js";

/** The version new fleets get: hubfleet's tested pin (its hub image is what the tests run). */
export const DEFAULT_Z2JH_VERSION = "4.4.0";

const REPO = "https://hub.jupyter.org/helm-chart/";
const NAME = "jupyterhub";

/** The chart at the default version. */
export const Z2JH_CHART: ChartRef = { repo: REPO, name: NAME, version: DEFAULT_Z2JH_VERSION };

/** The chart at `version` (checked by validate to be one with a data file). */
export function z2jhChart(version: string): ChartRef {
  return { repo: REPO, name: NAME, version };
}

/** Images the chart runs, as `name:tag`, from its values.yaml at the release tag. */
export interface Z2jhImages {
  readonly hub: string;
  readonly configurableHttpProxy: string;
  readonly networkTools: string;
  readonly userScheduler: string;
  readonly userPlaceholder: string;
  readonly pause: string;
  readonly imageAwaiter: string;
}

/** One data/z2jh/<version>.json. */
export interface Z2jhVersionData {
  readonly chart: string;
  readonly version: string;
  /** Chart.yaml's appVersion: the JupyterHub version of the hub image. */
  readonly appVersion: string;
  readonly source: {
    readonly repo: string;
    readonly tag: string;
    readonly commit: string;
    /** Commit date of the tag, YYYY-MM-DD. */
    readonly date: string;
    readonly files: readonly string[];
  };
  readonly generatedBy: string;
  readonly images: Z2jhImages;
  /** Python package → version, as the hub image's requirements.txt pins them. */
  readonly hubPrograms: Readonly<Record<string, string>>;
  readonly keys: Z2jhObjectNode;
}

const DATA_DIR = new URL("../../data/z2jh/", import.meta.url);
const VERSION_FILE = /^(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.json$/;

/** Numeric order of x.y.z (a pre-release after its base version's digits, as text). */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    const diff = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (diff !== 0) return diff;
  }
  return 0;
}

let known: readonly string[] | undefined;
const loaded = new Map<string, Z2jhVersionData>();

/**
 * The versions with a data file, oldest first. Read once, lazily: commands that never look at a
 * chart version do not list the folder. The data ships beside src/ and dist/ (two levels up
 * from this module in both).
 */
export function z2jhVersions(): readonly string[] {
  known ??= readdirSync(DATA_DIR)
    .flatMap((file) => {
      const m = VERSION_FILE.exec(file);
      return m?.[1] ? [m[1]] : [];
    })
    .sort(compareVersions);
  return known;
}

/** The data of `version`, or undefined when hubfleet has no file for it. */
export function z2jhVersionData(version: string): Z2jhVersionData | undefined {
  if (!z2jhVersions().includes(version)) return undefined;
  let data = loaded.get(version);
  if (!data) {
    data = JSON.parse(
      readFileSync(new URL(`${version}.json`, DATA_DIR), "utf8"),
    ) as Z2jhVersionData;
    loaded.set(version, data);
  }
  return data;
}

/** The data of a version validate has accepted; a programming error otherwise. */
export function requireZ2jhVersion(version: string): Z2jhVersionData {
  const data = z2jhVersionData(version);
  if (!data) throw new Error(`no data/z2jh/${version}.json (validate should have refused it)`);
  return data;
}

/** What to tell someone who asked for a version without a data file. */
export function unknownZ2jhVersion(version: string): { message: string; hint: string } {
  return {
    message: `hubfleet has no key tree for the ${NAME} chart ${version}`,
    hint:
      `use one of ${z2jhVersions().join(", ")}; to add ${version}, run ` +
      `\`npx tsx scripts/gen-z2jh-keys.ts --repo <clone of jupyterhub/zero-to-jupyterhub-k8s> ${version}\` ` +
      `in a hubfleet checkout and commit data/z2jh/${version}.json`,
  };
}
