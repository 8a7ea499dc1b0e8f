/**
 * Shared by the safety scenario tests (test/integration/safety-scenarios*.test.ts): small
 * fleets of their own per scenario on one control plane, a snapshot of everything a fleet has
 * in the cluster (to prove nothing was written), and the CLI as a child process that can be
 * killed or paused.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Document } from "yaml";
import type { ControlPlane } from "../sim/index.js";
import { type ApplyOptions, type ApplyReport, applyFleet } from "../src/apply/engine.js";
import { Inventory } from "../src/apply/inventory.js";
import { listOwned } from "../src/apply/observe.js";
import type { FleetModel } from "../src/fleet/model.js";
import type { HelmPort } from "../src/ports/helm.js";
import type { KubePort } from "../src/ports/kube.js";
import type { Bundle } from "../src/render/bundle.js";
import { renderFleet } from "../src/render/index.js";
import { editedExample, fleetFrom, REPO } from "./helpers.js";
import { startFleetCluster } from "./simFleet.js";

export const STANDIN = fileURLToPath(new URL("./fixtures/charts/z2jh-standin", import.meta.url));

const TOOLS_OFF = {
  ingress: { enabled: false },
  certManager: { enabled: false },
  autoscaler: { enabled: false },
  monitoring: { enabled: false },
  backups: { enabled: false },
};

/**
 * The example fleet renamed, without cluster tools and shared data sets (cluster-wide objects
 * every scenario's fleet would otherwise share), with small hubs of the given names.
 */
export function scenarioFleetText(
  name: string,
  hubs: readonly string[],
  edit: (doc: Document) => void = () => {},
): string {
  return editedExample((d) => {
    d.setIn(["cluster", "name"], name);
    d.set("tools", d.createNode(TOOLS_OFF));
    d.delete("datasets");
    d.set(
      "hubs",
      d.createNode(hubs.map((hub) => ({ name: hub, title: hub, drive: { size: "1Gi" } }))),
    );
    edit(d);
  });
}

export const scenarioFleet = (...args: Parameters<typeof scenarioFleetText>): FleetModel =>
  fleetFrom(scenarioFleetText(...args));

/** A fleet file on disk, for the CLI. */
export function fleetFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-safety-"));
  const file = join(dir, "fleet.yaml");
  writeFileSync(file, text);
  return file;
}

export interface Cluster {
  readonly cp: ControlPlane;
  readonly kube: KubePort;
  readonly helm: HelmPort;
}

/**
 * One control plane for a test file, its nodes and user schedulers made for every hub the file
 * uses, and what the tests reach it with.
 */
export function safetyCluster(hubs: readonly string[]) {
  let current: Cluster | undefined;
  const cluster = (): Cluster => {
    if (!current) throw new Error("the control plane is not started");
    return current;
  };
  return {
    cluster,
    start: async (): Promise<Cluster> => {
      current = await startFleetCluster(scenarioFleet("safety", hubs));
      return current;
    },
    stop: async () => {
      await current?.cp.stop();
    },
    apply: applier(cluster),
    /** A live object, loosely typed for assertions. */
    // biome-ignore lint/suspicious/noExplicitAny: reading live objects
    get: async (kind: string, name: string, namespace?: string, apiVersion = "v1"): Promise<any> =>
      cluster().kube.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) }),
    /** What the CLI needs to reach the control plane. */
    cliArgs: () => [
      "--kubeconfig",
      cluster().cp.kubeconfigPath,
      "--helm",
      join(cluster().cp.binDir, "helm"),
    ],
  };
}

export function applier(cluster: () => Cluster, charts = new Map([["jupyterhub", STANDIN]])) {
  return (
    fleet: FleetModel,
    extra: Partial<ApplyOptions> & { bundle?: Bundle; helm?: HelmPort; kube?: KubePort } = {},
  ): Promise<ApplyReport> => {
    const { bundle, helm, kube, ...options } = extra;
    const ports = { kube: kube ?? cluster().kube, helm: helm ?? cluster().helm };
    return applyFleet(ports, fleet, bundle ?? renderFleet(fleet), {
      fleetDir: REPO,
      charts,
      concurrency: 2,
      today: "2026-11-26",
      ...options,
    });
  };
}

/** Kinds whose objects only change when someone writes them (no status a controller updates). */
const QUIET_KINDS = new Set(["ConfigMap", "Secret", "Service", "NetworkPolicy"]);

/**
 * What a writer would change: the resourceVersion of every quiet object labelled as the
 * fleet's, the generation (spec) of the others, the inventory, and the revision and status of
 * every release. Equal snapshots mean nothing was written in between.
 */
export async function fleetSnapshot(
  { kube, helm }: Cluster,
  fleet: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const inventory = await Inventory.read(kube, fleet);
  for (const o of await listOwned(kube, fleet, inventory)) {
    const meta = o.metadata as { resourceVersion?: string; generation?: number };
    out[`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`] = QUIET_KINDS.has(o.kind)
      ? `rv ${meta.resourceVersion}`
      : `generation ${meta.generation ?? "-"}`;
  }
  for (const unit of inventory.snapshot()) out[`inventory ${unit.unit}`] = JSON.stringify(unit);
  for (const r of await helm.listAll()) {
    out[`release ${r.namespace}/${r.name}`] = `${r.revision} ${r.status}`;
  }
  return out;
}

/**
 * Ports that record every write (the fleet lock's Lease aside): a refused apply must leave
 * this list empty.
 */
export function recordingPorts(cluster: Cluster): {
  kube: KubePort;
  helm: HelmPort;
  writes: string[];
} {
  const writes: string[] = [];
  const { kube, helm } = cluster;
  const note = (kind: string, name: string, what: string) => {
    if (kind !== "Lease") writes.push(`${what} ${kind} ${name}`);
  };
  return {
    writes,
    kube: {
      server: kube.server,
      get: (ref) => kube.get(ref),
      list: (...args) => kube.list(...args),
      proxyGet: (target) => kube.proxyGet(target),
      apply: (o, options) => {
        note(o.kind, o.metadata.name, "apply");
        return kube.apply(o, options);
      },
      create: (o) => {
        note(o.kind, o.metadata.name, "create");
        return kube.create(o);
      },
      replace: (o) => {
        note(o.kind, o.metadata.name, "replace");
        return kube.replace(o);
      },
      delete: (ref, options) => {
        note(ref.kind, ref.name, "delete");
        return kube.delete(ref, options);
      },
      mergePatch: (ref, patch, options) => {
        note(ref.kind, ref.name, "patch");
        return kube.mergePatch(ref, patch, options);
      },
      scale: (ref, replicas) => {
        note(ref.kind, ref.name, "scale");
        return kube.scale(ref, replicas);
      },
    },
    helm: {
      ...helm,
      upgradeInstall: (o) => {
        note("release", o.release, "helm upgrade");
        return helm.upgradeInstall(o);
      },
      rollback: (release, namespace, revision) => {
        note("release", release, "helm rollback");
        return helm.rollback(release, namespace, revision);
      },
      uninstall: (release, namespace) => {
        note("release", release, "helm uninstall");
        return helm.uninstall(release, namespace);
      },
    },
  };
}

/** What the fleet's inventory records, as "unit kind/namespace/name" lines. */
export async function inventoryKeys(kube: KubePort, fleet: string): Promise<string[]> {
  return (await Inventory.read(kube, fleet))
    .snapshot()
    .flatMap((u) => [
      ...u.objects.map((o) => `${u.unit} ${o.kind}/${o.namespace ?? ""}/${o.name}`),
      ...u.releases.map((r) => `${u.unit} release ${r.namespace}/${r.name}`),
    ])
    .sort();
}

export interface CliRun {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  readonly done: Promise<{ code: number | null; output: string }>;
}

/** `hubfleet apply` as a child process leading its own process group (helm included). */
export function startApplyCli(
  cp: ControlPlane,
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): CliRun {
  return spawnCli(["--import", "tsx", join(REPO, "src/cli/main.ts"), "apply", file, ...args], {
    ...process.env,
    ...cp.env,
    HUBFLEET_HELM: join(cp.binDir, "helm"),
    ...env,
  });
}

/** node with `argv`, leading its own process group, its stdout and stderr collected together. */
export function spawnCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [...argv], {
    env,
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, output })),
  );
  return { child, output: () => output, done };
}
