/**
 * Which value keys the zero-to-jupyterhub Helm chart (`jupyterhub`) accepts, so that hubfleet
 * can reject a misspelt or misplaced key in a hub's `extraValues` (and in its own rendered
 * values) before helm runs. The key tree of each supported chart version is data
 * (data/z2jh/<version>.json, generated from the chart's own values.schema.yaml by
 * scripts/gen-z2jh-keys.ts); this module walks it.
 *
 * The chart's schema closes almost every object (unknown keys fail `helm install`); only a few
 * subtrees (hub.config sections, extraEnv, nodeSelector, resources, extraPodSpec, ...) take
 * arbitrary content. Value types are not checked here, only keys.
 */
import { DEFAULT_Z2JH_VERSION, requireZ2jhVersion } from "./z2jhVersions.js";

export { Z2JH_CHART } from "./z2jhVersions.js";

/** A scalar, or a list of scalars: the schema puts no keys below it. */
export const LEAF = "leaf";
/** Free-form content (k8s objects, traitlets config, ...): any keys, at any depth, are accepted. */
export const ANY = "any";

/**
 * An object of the values. `keys` are checked against their own node. Any other key is checked
 * against `otherKeys` when it is set (and matches `keyPattern`, when that is set: a user-chosen
 * map such as labels, extraFiles or hub.config), and rejected otherwise. With `closedWhen`, the
 * object is closed only while each of its keys has the given value (open otherwise).
 */
export interface Z2jhObjectNode {
  readonly keys: Readonly<Record<string, Z2jhKeyNode>>;
  readonly otherKeys?: Z2jhKeyNode;
  readonly keyPattern?: string;
  readonly closedWhen?: Readonly<Record<string, unknown>>;
}

export type Z2jhKeyNode = typeof LEAF | typeof ANY | Z2jhObjectNode;

/** Which chart version's key tree to use: the default version when not given. */
export interface Z2jhKeyOptions {
  readonly version?: string;
}

/** The key tree of the chart's values, from the root, for a version validate has accepted. */
export function z2jhKeyTree(options: Z2jhKeyOptions = {}): Z2jhObjectNode {
  return requireZ2jhVersion(options.version ?? DEFAULT_Z2JH_VERSION).keys;
}

const patterns = new Map<string, RegExp>();
function matches(pattern: string, key: string): boolean {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern);
    patterns.set(pattern, regex);
  }
  return regex.test(key);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The node for `key` below `node`, or undefined when the schema would reject the key. */
function childNode(node: Z2jhKeyNode, key: string): Z2jhKeyNode | undefined {
  if (node === LEAF || node === ANY) return node;
  if (Object.hasOwn(node.keys, key)) return node.keys[key];
  if (node.otherKeys === undefined) return undefined;
  return node.keyPattern === undefined || matches(node.keyPattern, key)
    ? node.otherKeys
    : undefined;
}

/** Whether a `closedWhen` object is open for this value (its condition does not hold). */
function isOpen(node: Z2jhObjectNode, value: Readonly<Record<string, unknown>>): boolean {
  const when = node.closedWhen;
  if (when === undefined) return false;
  return Object.entries(when).some(([key, expected]) => value[key] !== expected);
}

/**
 * The node at `path` (keys from the values root): ANY below free-form content, undefined when
 * some key on the path is one the chart rejects.
 */
export function z2jhKeyNodeAt(
  path: readonly string[],
  options: Z2jhKeyOptions = {},
): Z2jhKeyNode | undefined {
  let node: Z2jhKeyNode | undefined = z2jhKeyTree(options);
  for (const key of path) {
    if (node === undefined) return undefined;
    node = childNode(node, key);
  }
  return node;
}

/**
 * The key names the chart names at `path`, sorted, for "did you mean" hints. Empty below
 * free-form content, at user-chosen maps without fixed keys, and at unknown paths.
 */
export function knownZ2jhKeysAt(path: readonly string[], options: Z2jhKeyOptions = {}): string[] {
  const node = z2jhKeyNodeAt(path, options);
  if (node === undefined || node === LEAF || node === ANY) return [];
  return Object.keys(node.keys).sort();
}

function collectUnknown(
  value: unknown,
  node: Z2jhKeyNode,
  path: readonly string[],
  out: string[][],
): void {
  if (node === LEAF || node === ANY || !isRecord(value)) return;
  const lenient = isOpen(node, value);
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    const next = childNode(node, key);
    if (next !== undefined) collectUnknown(child, next, childPath, out);
    else if (!lenient) out.push(childPath);
  }
}

/**
 * The keys in `values` that the chart's schema would reject, each as its list of keys from the
 * values root (the last one being the rejected key), in document order.
 */
export function findUnknownZ2jhKeyPaths(values: unknown, options: Z2jhKeyOptions = {}): string[][] {
  const out: string[][] = [];
  collectUnknown(values, z2jhKeyTree(options), [], out);
  return out;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * A key path written as dots, e.g. `singleuser.storage.tyep`; a key that is not a plain word is
 * written in brackets so that a dotted key is told apart from a path: `["singleuser.image"]`.
 */
export function formatZ2jhPath(path: readonly string[]): string {
  let text = "";
  for (const key of path) {
    if (PLAIN_KEY.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

/** Dotted paths of the keys in `values` that the chart's schema would reject. */
export function findUnknownZ2jhKeys(values: unknown, options: Z2jhKeyOptions = {}): string[] {
  return findUnknownZ2jhKeyPaths(values, options).map(formatZ2jhPath);
}
