/**
 * Writes data/z2jh/<version>.json for each zero-to-jupyterhub chart version named: the key tree
 * hubfleet checks `extraValues` (and its own rendered values) against, read from the chart's own
 * jupyterhub/values.schema.yaml at that release tag, plus the images the chart runs and the
 * Python programs its hub image ships (values.yaml and images/hub/requirements.txt at the tag).
 *
 * Run with a git clone of https://github.com/jupyterhub/zero-to-jupyterhub-k8s (read-only; any
 * clone or mirror with the release tags):
 *
 *   npx tsx scripts/gen-z2jh-keys.ts --repo <clone> 4.3.3 4.4.0
 *
 * The output is committed; supporting a new chart version is running this and committing the
 * file (src/vocabulary/z2jhKeys.ts lists data/z2jh/ and offers every version found there).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { toJson } from "../src/vocabulary/json.js";
import type { Z2jhKeyNode } from "../src/vocabulary/z2jhKeys.js";
import type { Z2jhVersionData } from "../src/vocabulary/z2jhVersions.js";

const SOURCE_REPO = "https://github.com/jupyterhub/zero-to-jupyterhub-k8s";
const OUT_DIR = fileURLToPath(new URL("../data/z2jh/", import.meta.url));

/** The programs of the hub image that hubfleet's tests install (scripts/hub-build). */
const HUB_PROGRAMS = [
  "jupyterhub",
  "jupyterhub-kubespawner",
  "oauthenticator",
  "jupyterhub-ltiauthenticator",
  "jupyterhub-idle-culler",
];

type Schema = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function typesOf(schema: Schema): string[] {
  const { type } = schema;
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : [];
}

/**
 * `if: {properties: {K: {const: V}}}, then: {additionalProperties: false}`: the schema closes the
 * object only while K is V (z2jh's imagePullSecret, closed only when create is true).
 */
function closedWhen(schema: Schema): Record<string, unknown> | undefined {
  const when = schema.if;
  const then = schema.then;
  if (!isRecord(when) || !isRecord(then) || then.additionalProperties !== false) return undefined;
  if (!isRecord(when.properties)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(when.properties)) {
    if (!isRecord(sub) || !("const" in sub)) return undefined;
    out[key] = sub.const;
  }
  return out;
}

/**
 * One schema node as a key-tree node. Arrays are not descended into (helm's own schema check
 * still runs at install; hubfleet names misplaced keys, not every value error), so only objects
 * become trees: closed ones list their keys, open ones are "any" unless a known key below them
 * is itself checked.
 */
export function keyNodeOf(schema: Schema): Z2jhKeyNode {
  const gate = closedWhen(schema);
  // A gated object lists its keys under `then` (where it is closed).
  const then = gate !== undefined && isRecord(schema.then) ? schema.then : {};
  const own = isRecord(schema.properties) ? schema.properties : undefined;
  const gated = isRecord(then.properties) ? then.properties : undefined;
  const properties = own || gated ? { ...own, ...gated } : undefined;
  const patterns = isRecord(schema.patternProperties) ? schema.patternProperties : undefined;
  const additional = schema.additionalProperties;
  const types = typesOf(schema);
  const objectLike =
    properties !== undefined ||
    patterns !== undefined ||
    additional !== undefined ||
    gate !== undefined ||
    types.includes("object");
  if (!objectLike) {
    const items = schema.items;
    const scalarItems = isRecord(items) && !typesOf(items).some((t) => t === "object");
    return types.includes("array") && !scalarItems ? "any" : "leaf";
  }
  const keys: Record<string, Z2jhKeyNode> = {};
  for (const [key, sub] of Object.entries(properties ?? {})) {
    keys[key] = isRecord(sub) ? keyNodeOf(sub) : "any";
  }
  const patternEntries = Object.entries(patterns ?? {});
  if (patternEntries.length > 1) {
    throw new Error(`more than one patternProperties at one node: ${Object.keys(patterns ?? {})}`);
  }
  const [pattern] = patternEntries;
  if (additional === false) {
    if (pattern === undefined) return { keys };
    const [regex, sub] = pattern;
    return {
      keys,
      otherKeys: isRecord(sub) ? keyNodeOf(sub) : "any",
      // ".*" takes every key: no pattern to check.
      ...(regex === ".*" ? {} : { keyPattern: regex }),
    };
  }
  if (gate !== undefined) return { keys, closedWhen: gate };
  // Open object: any further key is accepted; keep the known ones only if one of them is checked.
  const otherKeys: Z2jhKeyNode = isRecord(additional) ? keyNodeOf(additional) : "any";
  const checked = Object.values(keys).some((node) => node !== "leaf" && node !== "any");
  if (otherKeys === "any" && !checked) return "any";
  return { keys, otherKeys };
}

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
}

function valuesImage(values: unknown, path: readonly string[], version: string): string {
  let node = values;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  if (!isRecord(node) || typeof node.name !== "string") {
    throw new Error(`values.yaml has no image at ${path.join(".")}`);
  }
  // chartpress writes the chart's own images' tags on release: they are the chart version.
  const tag = node.tag === "set-by-chartpress" ? version : String(node.tag);
  return `${node.name}:${tag}`;
}

function hubPrograms(requirements: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of requirements.split("\n")) {
    const m = /^([A-Za-z0-9_.-]+)==([^\s;#]+)/.exec(line.trim());
    if (m?.[1] && m[2] && HUB_PROGRAMS.includes(m[1].toLowerCase())) out[m[1].toLowerCase()] = m[2];
  }
  for (const name of HUB_PROGRAMS) {
    if (!out[name]) throw new Error(`images/hub/requirements.txt does not pin ${name}`);
  }
  return out;
}

export function versionData(repo: string, tag: string): Z2jhVersionData {
  const show = (path: string) => git(repo, "show", `${tag}:${path}`);
  const commit = git(repo, "rev-list", "-n", "1", tag).trim();
  const date = git(repo, "log", "-1", "--format=%cs", commit).trim();
  const schema: unknown = parse(show("jupyterhub/values.schema.yaml"), { maxAliasCount: -1 });
  const values: unknown = parse(show("jupyterhub/values.yaml"), { maxAliasCount: -1 });
  const chart: unknown = parse(show("jupyterhub/Chart.yaml"));
  if (!isRecord(schema) || !isRecord(chart)) throw new Error(`${tag}: unreadable chart files`);
  const keys = keyNodeOf(schema);
  if (typeof keys === "string") throw new Error(`${tag}: the schema's root is not an object`);
  const image = (...path: string[]) => valuesImage(values, path, tag);
  return {
    chart: "jupyterhub",
    version: tag,
    appVersion: String(chart.appVersion),
    source: {
      repo: SOURCE_REPO,
      tag,
      commit,
      date,
      files: [
        "jupyterhub/values.schema.yaml",
        "jupyterhub/values.yaml",
        "jupyterhub/Chart.yaml",
        "images/hub/requirements.txt",
      ],
    },
    generatedBy: "scripts/gen-z2jh-keys.ts",
    images: {
      hub: image("hub", "image"),
      configurableHttpProxy: image("proxy", "chp", "image"),
      networkTools: image("singleuser", "networkTools", "image"),
      userScheduler: image("scheduling", "userScheduler", "image"),
      userPlaceholder: image("scheduling", "userPlaceholder", "image"),
      pause: image("prePuller", "pause", "image"),
      imageAwaiter: image("prePuller", "hook", "image"),
    },
    hubPrograms: hubPrograms(show("images/hub/requirements.txt")),
    keys,
  };
}

function main(argv: readonly string[]): void {
  const at = argv.indexOf("--repo");
  const repo = at >= 0 ? argv[at + 1] : undefined;
  const tags = argv.filter((_, i) => i !== at && i !== at + 1);
  if (!repo || tags.length === 0) {
    console.error("usage: tsx scripts/gen-z2jh-keys.ts --repo <z2jh git clone> <tag>...");
    process.exit(2);
  }
  mkdirSync(OUT_DIR, { recursive: true });
  for (const tag of tags) {
    const target = `${OUT_DIR}${tag}.json`;
    writeFileSync(target, toJson(versionData(repo, tag)));
    console.log(`wrote ${target}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
