/**
 * NetworkPolicy intent checked by a real policy analyzer: np-guard's netpol-analyzer (its
 * `k8snetpolicy` CLI, built by scripts/netpol-analyzer-build at the version pinned in
 * tools/netpol-analyzer/go.mod), run over a directory of YAML that stands for the cluster.
 *
 * The directory holds what the analyzer understands of the rendered fleet — its Namespaces and
 * NetworkPolicies, and one Pod per rendered workload (the analyzer's `eval` only looks at Pod
 * objects, so the drive StatefulSet becomes the Pod `drive-0` with the template's labels and
 * ports, and a data set's server the Pod `datasets/dataset-<name>-0`) — plus synthetic Pods for
 * what is not rendered here:
 *
 * - per hub, the pods the z2jh chart and KubeSpawner create (`hub`, `proxy`, the user server
 *   `jupyter-alice`), with the labels and named ports chart 4.x gives them. They carry no
 *   hubfleet.io/hub label because hubfleet does not put one on chart pods. (A second user server,
 *   `jupyter-bob`, lets same-hub user-to-user traffic be asked about.) The chart's own
 *   NetworkPolicies are NOT modelled (the chart is not available here): connections below are
 *   judged by hubfleet's policies alone, and NetworkPolicies only ever add allowed traffic, so the
 *   chart can make a "denied" here allowed in a cluster (see proxy.chp.networkPolicy).
 * - per hub, the egress half of the chart's user-server policy, a named stand-in written from the
 *   rendered values (netpolChartStandin.ts), so that the user servers' egress — the one chart
 *   policy hubfleet configures for isolation — is judged too;
 * - namespace cluster-tools with Prometheus (`prometheus`) and the ingress controller (`traefik`);
 * - namespace default with an unrelated pod (`curl`).
 *
 * A scene can hold all policies, none (the control), or only their ingress or only their egress
 * halves: the analyzer never matches a pod against an ipBlock, so a pod whose address lies in an
 * ipBlock is judged one half at a time (netpolVerdicts.ts).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { FleetModel } from "../src/fleet/model.js";
import { datasetObjectName } from "../src/fleet/names.js";
import { renderFleet } from "../src/render/index.js";
import { DATASETS_NAMESPACE } from "../src/vocabulary/namespaces.js";
import type { KubeObject } from "../src/vocabulary/objects.js";
import { REPO } from "./helpers.js";
import { chartSingleuserEgress } from "./netpolChartStandin.js";

export const TOOLS_NS = "cluster-tools";
export const OTHER_NS = "default";

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}
export const podRef = (namespace: string, name: string): PodRef => ({ namespace, name });
export const refString = (p: PodRef): string => `${p.namespace}/${p.name}`;

/** The pods standing in for one hub's workloads (the namespace is the hub's name). */
export function hubPods(hub: string) {
  return {
    hub: podRef(hub, "hub"),
    proxy: podRef(hub, "proxy"),
    user: podRef(hub, "jupyter-alice"),
    /** A second user server of the same hub. */
    otherUser: podRef(hub, "jupyter-bob"),
    /** The first (only) pod of the drive StatefulSet. */
    drive: podRef(hub, "drive-0"),
  };
}
/** The first (only) pod of a data set's server StatefulSet. */
export const datasetServerPod = (dataset: string): PodRef =>
  podRef(DATASETS_NAMESPACE, `${datasetObjectName(dataset)}-0`);

export const tools = {
  prometheus: podRef(TOOLS_NS, "prometheus"),
  traefik: podRef(TOOLS_NS, "traefik"),
};
export const outsider = podRef(OTHER_NS, "curl");

/** Ports the chart's containers listen on (z2jh 4.x defaults). */
export const HUB_PORT = 8081;
export const PROXY_HTTP_PORT = 8000;
export const PROXY_API_PORT = 8001;
export const SINGLEUSER_PORT = 8888;

let analyzer: string | undefined;

/** Path of the k8snetpolicy binary: $HUBFLEET_NETPOL_ANALYZER, or built (once, cached) by the script. */
export function netpolAnalyzerBinary(): string {
  if (process.env.HUBFLEET_NETPOL_ANALYZER) return process.env.HUBFLEET_NETPOL_ANALYZER;
  if (!analyzer) {
    const out = execFileSync("bash", [`${REPO}scripts/netpol-analyzer-build`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, GOTOOLCHAIN: "local" },
    });
    analyzer = out.trim().split("\n").pop() ?? "";
    if (!analyzer) throw new Error("scripts/netpol-analyzer-build printed no binary path");
  }
  return analyzer;
}

type Labels = Record<string, string>;
interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

function pod(ref: PodRef, labels: Labels, ports: ContainerPort[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: ref.name, namespace: ref.namespace, labels },
    spec: { containers: [{ name: "main", image: "example.invalid/stand-in:0", ports }] },
  };
}

function namespace(name: string): KubeObject {
  // The API server adds kubernetes.io/metadata.name to every namespace; so does the analyzer.
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

/** Labels z2jh 4.x puts on its pods (legacy and modern), plus the extra ones given. */
function chartLabels(release: string, component: string, extra: Labels = {}): Labels {
  return {
    component,
    app: "jupyterhub",
    release,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/name": "jupyterhub",
    "app.kubernetes.io/instance": release,
    ...extra,
  };
}

/** The pods the chart (and KubeSpawner, for the user server) would run in a hub's namespace. */
function chartPods(hub: string): KubeObject[] {
  const p = hubPods(hub);
  const yes = "true";
  return [
    pod(
      p.hub,
      chartLabels(hub, "hub", {
        "hub.jupyter.org/network-access-proxy-api": yes,
        "hub.jupyter.org/network-access-proxy-http": yes,
        "hub.jupyter.org/network-access-singleuser": yes,
      }),
      [{ name: "http", containerPort: HUB_PORT }],
    ),
    pod(
      p.proxy,
      chartLabels(hub, "proxy", {
        "hub.jupyter.org/network-access-hub": yes,
        "hub.jupyter.org/network-access-singleuser": yes,
      }),
      [
        { name: "http", containerPort: PROXY_HTTP_PORT },
        { name: "api", containerPort: PROXY_API_PORT },
      ],
    ),
    ...[p.user, p.otherUser].map((ref) =>
      pod(
        ref,
        chartLabels(hub, "singleuser-server", {
          "hub.jupyter.org/username": ref.name.replace(/^jupyter-/, ""),
          "hub.jupyter.org/network-access-hub": yes,
        }),
        [{ name: "notebook-port", containerPort: SINGLEUSER_PORT }],
      ),
    ),
  ];
}

interface PodTemplate {
  metadata?: { labels?: Labels };
  spec?: { containers?: Array<{ ports?: ContainerPort[] }> };
}

/** A Pod like the first one a rendered workload would start: the template's labels and ports. */
function podFromWorkload(workload: KubeObject): KubeObject {
  const spec = workload.spec as { template?: PodTemplate } | undefined;
  const template = spec?.template;
  if (!template?.metadata?.labels) {
    throw new Error(`${workload.kind}/${workload.metadata.name} has no pod template labels`);
  }
  const ports = (template.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  const ns = workload.metadata.namespace ?? OTHER_NS;
  return pod(podRef(ns, `${workload.metadata.name}-0`), { ...template.metadata.labels }, ports);
}

const WORKLOAD_KINDS = new Set(["StatefulSet", "Deployment", "DaemonSet", "ReplicaSet"]);

export type PolicyHalves = "all" | "none" | "ingress" | "egress";

export interface SceneOptions {
  /** Leave the rendered NetworkPolicies out (a control: what the cluster allows without them). */
  readonly withoutPolicies?: boolean;
  /**
   * Which policies the scene holds: all (default), none (as withoutPolicies), or only their
   * ingress or only their egress halves.
   */
  readonly policies?: PolicyHalves;
}

interface PolicySpec {
  policyTypes?: string[];
  ingress?: unknown[];
  egress?: unknown[];
}

/**
 * A policy cut down to one direction, or undefined when it has nothing in that direction. A
 * policy without policyTypes is an ingress policy, plus egress when it has egress rules (the
 * API server's defaulting).
 */
function policyHalf(policy: KubeObject, half: PolicyHalves): KubeObject | undefined {
  if (half === "all") return policy;
  if (half === "none") return undefined;
  const spec = (policy.spec ?? {}) as PolicySpec;
  const types = spec.policyTypes ?? (spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
  const type = half === "ingress" ? "Ingress" : "Egress";
  if (!types.includes(type)) return undefined;
  const { ingress, egress, ...rest } = spec;
  const kept = half === "ingress" ? { ingress: ingress ?? [] } : { egress: egress ?? [] };
  return { ...policy, spec: { ...rest, policyTypes: [type], ...kept } };
}

/** The objects the analyzer sees for a fleet. */
export function sceneObjects(fleet: FleetModel, options: SceneOptions = {}): KubeObject[] {
  const half: PolicyHalves = options.withoutPolicies ? "none" : (options.policies ?? "all");
  const bundle = renderFleet(fleet);
  const rendered = bundle.manifests.map((m) => m.object);
  const objects: KubeObject[] = [];
  const addPolicy = (policy: KubeObject) => {
    const kept = policyHalf(policy, half);
    if (kept) objects.push(kept);
  };
  for (const o of rendered) {
    if (o.kind === "Namespace") objects.push(o);
    else if (o.kind === "NetworkPolicy") addPolicy(o);
    else if (o.kind === "Pod") objects.push(o);
    else if (WORKLOAD_KINDS.has(o.kind)) objects.push(podFromWorkload(o));
  }
  for (const hub of fleet.hubs) {
    objects.push(...chartPods(hub.name));
    const values = bundle.releases.find((r) => r.hub === hub.name)?.values as
      | { singleuser?: { networkPolicy?: Parameters<typeof chartSingleuserEgress>[1] } }
      | undefined;
    const np = values?.singleuser?.networkPolicy;
    if (!np) throw new Error(`no singleuser.networkPolicy in the values of ${hub.name}`);
    addPolicy(chartSingleuserEgress(hub.name, np));
  }
  const renderedNamespaces = new Set(
    rendered.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name),
  );
  for (const ns of [TOOLS_NS, OTHER_NS]) {
    if (!renderedNamespaces.has(ns)) objects.push(namespace(ns));
  }
  objects.push(
    pod(tools.prometheus, { "app.kubernetes.io/name": "prometheus" }, [
      { name: "web", containerPort: 9090 },
    ]),
    pod(tools.traefik, { "app.kubernetes.io/name": "traefik" }, [
      { name: "web", containerPort: 8000 },
      { name: "websecure", containerPort: 8443 },
    ]),
    pod(outsider, { app: "curl" }, []),
  );
  return objects;
}

export interface Connection {
  /** As the analyzer names peers, e.g. "stat101/drive-0[Pod]" or "192.168.0.0-192.168.255.255". */
  readonly src: string;
  readonly dst: string;
  /** e.g. "All Connections" or "TCP 2049". */
  readonly conn: string;
}

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface Query {
  readonly src: PodRef;
  readonly dst: PodRef;
  /** A port number: v1.4.4's eval cannot resolve a named destination port from a directory. */
  readonly port: number;
  readonly protocol?: Protocol;
}

export interface IPQuery {
  /** An IPv4 source address that is not a pod's (e.g. a node's). */
  readonly srcIP: string;
  readonly dst: PodRef;
  readonly port: number;
  readonly protocol?: Protocol;
}

export interface ToIPQuery {
  readonly src: PodRef;
  /** An IPv4 destination address, judged as the analyzer judges addresses outside the pods. */
  readonly dstIP: string;
  readonly port: number;
  readonly protocol?: Protocol;
}

export interface NetpolScene {
  readonly dir: string;
  readonly objects: readonly KubeObject[];
  /** Whether the analyzer allows the connection (`k8snetpolicy eval`). */
  evalConnection(q: Query): boolean;
  /**
   * The same for a source given by IP address, read off the connectivity list: v1.4.4's
   * `eval --source-ip` rejects every query with a pod destination ("only one of source or
   * destination can be defined as external IP") — its flag check is inverted.
   */
  evalFromIP(q: IPQuery): boolean;
  /** Whether a pod may send to an address (its egress side only), read off the list likewise. */
  evalToIP(q: ToIPQuery): boolean;
  /** Every allowed connection (`k8snetpolicy list -o json`). */
  connectivityList(): Connection[];
  dispose(): void;
}

/** Writes the scene for a fleet to a temporary directory and returns its analyzer queries. */
export function netpolScene(fleet: FleetModel, options: SceneOptions = {}): NetpolScene {
  const objects = sceneObjects(fleet, options);
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-netpol-"));
  writeFileSync(join(dir, "cluster.yaml"), objects.map((o) => stringify(o)).join("---\n"));
  const run = (args: string[]) => {
    // Not --fail: with it, v1.4.4 loads nothing from this directory (it logs "Error getting
    // resourceInfos from dir path: <nil>", then `eval` cannot find the pods and `list` prints []).
    // Instead, anything the analyzer logs as an error or as skipped fails the query, so a
    // manifest it cannot read is never silently left out.
    const all = [...args, "--dirpath", dir];
    const r = spawnSync(netpolAnalyzerBinary(), all, { encoding: "utf8" });
    if (r.error) throw r.error;
    if (r.status !== 0 || /error|skipp/i.test(r.stderr)) {
      throw new Error(`k8snetpolicy ${all.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`);
    }
    return r;
  };
  const evaluate = ({ src, dst, port, protocol = "TCP" }: Query) => {
    const args = [
      "eval",
      "--source-namespace",
      src.namespace,
      "--source-pod",
      src.name,
      "--destination-namespace",
      dst.namespace,
      "--destination-pod",
      dst.name,
      "--destination-port",
      String(port),
      "--protocol",
      protocol.toLowerCase(),
    ];
    const r = run(args);
    return parseEvalOutput(r.stdout, refString(src), refString(dst), `${r.stdout}${r.stderr}`);
  };
  let list: Connection[] | undefined;
  const connectivityList = () => {
    list ??= parseConnlist(run(["list", "-o", "json"]).stdout);
    return list;
  };
  /** A connection between a pod and an address, read off the list (the pod on either side). */
  const addressAllowed = (q: {
    pod: PodRef;
    podSide: "src" | "dst";
    address: string;
    port: number;
    protocol: Protocol;
  }) => {
    const ip = parseIPv4(q.address);
    if (ip === undefined) throw new Error(`not an IPv4 address: ${q.address}`);
    const peer = `${refString(q.pod)}[Pod]`;
    if (!connectivityList().some((c) => c.dst === peer || c.src === peer)) {
      throw new Error(`${peer} appears nowhere in the connectivity list`);
    }
    const other = q.podSide === "dst" ? "src" : "dst";
    return connectivityList().some(
      (c) =>
        c[q.podSide] === peer &&
        ipRangesContain(c[other], ip) &&
        connAllows(c.conn, q.protocol, q.port),
    );
  };
  return {
    dir,
    objects,
    evalConnection: evaluate,
    evalFromIP: ({ srcIP, dst, port, protocol = "TCP" }) =>
      addressAllowed({ pod: dst, podSide: "dst", address: srcIP, port, protocol }),
    evalToIP: ({ src, dstIP, port, protocol = "TCP" }) =>
      addressAllowed({ pod: src, podSide: "src", address: dstIP, port, protocol }),
    connectivityList,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * `eval` prints one line `<src> => <dst> over <protocol>/<port>: <true|false>` (logs go to
 * stderr). Anything else — no such line, more than one, other endpoints — is an error, so a
 * changed output format can never read as "denied".
 */
export function parseEvalOutput(stdout: string, src: string, dst: string, all = stdout): boolean {
  const verdicts = stdout
    .split("\n")
    .map((line) => /^(\S+) => (\S+) over (\S+): (true|false)\s*$/.exec(line.trim()))
    .filter((m) => m !== null);
  if (verdicts.length !== 1) {
    throw new Error(`expected one verdict line from k8snetpolicy eval, got:\n${all}`);
  }
  const [, from, to, , verdict] = verdicts[0] ?? [];
  if (from !== src || to !== dst) {
    throw new Error(`k8snetpolicy eval answered for ${from} => ${to}, asked ${src} => ${dst}`);
  }
  return verdict === "true";
}

export function parseConnlist(stdout: string): Connection[] {
  const data: unknown = JSON.parse(stdout);
  if (!Array.isArray(data)) throw new Error(`k8snetpolicy list: not a JSON array:\n${stdout}`);
  return data.map((c) => {
    if (
      typeof c !== "object" ||
      c === null ||
      typeof c.src !== "string" ||
      typeof c.dst !== "string" ||
      typeof c.conn !== "string"
    ) {
      throw new Error(`k8snetpolicy list: unexpected entry ${JSON.stringify(c)}`);
    }
    return { src: c.src, dst: c.dst, conn: c.conn };
  });
}

/** The pod an analyzer peer name stands for ("ns/name[Pod]" → ns/name), or undefined for IP ranges. */
export function peerPod(peer: string): PodRef | undefined {
  const m = /^([^/\s]+)\/([^[\s]+)\[Pod\]$/.exec(peer);
  return m?.[1] && m[2] ? podRef(m[1], m[2]) : undefined;
}

export function parseIPv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

/**
 * The address ranges ([first, last] as numbers) of an analyzer peer that is a set of addresses
 * ("10.0.0.0-10.255.255.255", possibly several joined by ",", or CIDRs); [] for a pod peer
 * ("ns/name[Pod]").
 */
export function ipRanges(peer: string): Array<[number, number]> {
  if (peer.includes("[")) return [];
  return peer.split(",").map((part): [number, number] => {
    const text = part.trim();
    const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(text);
    if (cidr?.[1]) {
      const base = parseIPv4(cidr[1]);
      if (base === undefined) throw new Error(`bad address range ${peer}`);
      return [base, base + 2 ** (32 - Number(cidr[2])) - 1];
    }
    const [from, to = from] = text.split("-").map(parseIPv4);
    if (from === undefined || to === undefined) throw new Error(`bad address range ${peer}`);
    return [from, to];
  });
}

export function ipRangesContain(peer: string, ip: number): boolean {
  return ipRanges(peer).some(([from, to]) => ip >= from && ip <= to);
}

/**
 * Whether a connection string of the list ("All Connections", "No Connections",
 * "TCP 2049", "TCP 80,443,UDP 53", "TCP 1-1024") allows the protocol and port.
 */
export function connAllows(conn: string, protocol: Protocol, port: number): boolean {
  if (conn === "All Connections") return true;
  if (conn === "No Connections") return false;
  let current: string | undefined;
  let allowed = false;
  for (const part of conn.split(",")) {
    const m = /^(?:(TCP|UDP|SCTP) )?(ALL PORTS|\d+(?:-\d+)?)$/.exec(part.trim());
    if (!m) throw new Error(`unexpected connection string from k8snetpolicy: ${conn}`);
    current = m[1] ?? current;
    if (current === undefined) throw new Error(`no protocol in connection string: ${conn}`);
    if (current !== protocol) continue;
    const ports = m[2] ?? "";
    if (ports === "ALL PORTS") allowed = true;
    else {
      const [lo = Number.NaN, hi = lo] = ports.split("-").map(Number);
      if (port >= lo && port <= hi) allowed = true;
    }
  }
  return allowed;
}
