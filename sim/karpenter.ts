/**
 * Runs the real Karpenter controller (its KWOK provider, sigs.k8s.io/karpenter/kwok, built by
 * scripts/karpenter-build) against a simulated control plane: Karpenter decides scale-up and
 * consolidation itself; its "cloud" creates Node objects that the control plane's kwok brings up.
 *
 *   const karpenter = await startKarpenter(cp, {
 *     instanceTypes: [kwokInstanceType({ name: "t3a.large", cpu: 2, memoryMiB: 8192, pods: 35,
 *       zones: ["us-west-2a"], pricePerHour: 0.0752 })],
 *     registrationDelay: "10s",          // node start-up: NodeClaim launched → Node registers
 *   });
 *   // NodePools reference karpenter.nodeClassRef (a KWOKNodeClass) as their nodeClassRef.
 *   await karpenter.stop();              // also stopped with cp.stop() and on process exit
 *
 * startKarpenter installs Karpenter's CRDs (NodePool, NodeClaim, NodeOverlay, CapacityBuffer,
 * KWOKNodeClass; from the build, never copied into the repository), creates a Ready
 * KWOKNodeClass with the start-up delay, writes the instance types file (the only instance types
 * the "cloud" offers) and starts the controller with leader election off (one replica) and its
 * metrics/health ports on random free ports (Karpenter binds them on every interface; it has no
 * address option). Its log is `<cp.logDir>/karpenter.log`.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "./binaries.js";
import type { ControlPlane } from "./controlPlane.js";
import type { KubeObject } from "./kube.js";
import { ManagedProcess, registerForCleanup, tailFile, unregisterForCleanup } from "./processes.js";

/** One instance type of the KWOK "cloud" (the JSON shape of kwok/cloudprovider/instance_types.json). */
export interface KwokInstanceType {
  readonly name: string;
  readonly architecture: "amd64" | "arm64";
  readonly operatingSystems: readonly string[];
  readonly resources: Readonly<Record<string, string>>;
  readonly offerings: readonly {
    readonly Price: number;
    readonly Available: boolean;
    readonly Requirements: readonly { key: string; operator: "In"; values: string[] }[];
  }[];
}

/** An instance type offered on-demand and as spot (at 30 % of the price) in each zone. */
export function kwokInstanceType(t: {
  name: string;
  cpu: number;
  memoryMiB: number;
  pods: number;
  zones: readonly string[];
  pricePerHour: number;
  arch?: "amd64" | "arm64";
  gpus?: number;
}): KwokInstanceType {
  const offering = (zone: string, capacityType: string, price: number) => ({
    Price: price,
    Available: true,
    Requirements: [
      { key: "karpenter.sh/capacity-type", operator: "In" as const, values: [capacityType] },
      { key: "topology.kubernetes.io/zone", operator: "In" as const, values: [zone] },
    ],
  });
  return {
    name: t.name,
    architecture: t.arch ?? "amd64",
    operatingSystems: ["linux"],
    resources: {
      cpu: String(t.cpu),
      memory: `${t.memoryMiB}Mi`,
      pods: String(t.pods),
      "ephemeral-storage": "20Gi",
      ...(t.gpus ? { "nvidia.com/gpu": String(t.gpus) } : {}),
    },
    offerings: t.zones.flatMap((zone) => [
      offering(zone, "on-demand", t.pricePerHour),
      offering(zone, "spot", t.pricePerHour * 0.3),
    ]),
  };
}

export interface KarpenterOptions {
  /** What the KWOK "cloud" offers; Karpenter can launch nothing else. */
  readonly instanceTypes: readonly KwokInstanceType[];
  /** Start-up delay of a node (KWOKNodeClass nodeRegistrationDelay), e.g. "10s", "3m". Default "0s". */
  readonly registrationDelay?: string;
  /** Name of the KWOKNodeClass created. Default "sim". */
  readonly nodeClassName?: string;
  /** Extra environment (Karpenter's options: e.g. BATCH_IDLE_DURATION, LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export interface RunningKarpenter {
  /** The nodeClassRef a NodePool names to get nodes from this Karpenter. */
  readonly nodeClassRef: { group: string; kind: string; name: string };
  readonly logPath: string;
  /** The build directory (controller, crds/, aws-crds/, aws-chart/). */
  readonly buildDir: string;
  readonly running: () => boolean;
  stop(): Promise<void>;
}

/** The build (scripts/karpenter-build; cached), or HUBFLEET_KARPENTER when scripts/test.sh set it. */
export function karpenterBuildDir(): string {
  const given = process.env.HUBFLEET_KARPENTER;
  if (given) return given;
  const out = execFileSync("bash", [join(repoRoot, "scripts", "karpenter-build")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop() ?? "";
}

/** Every CRD file of a directory of the build, as objects. */
export function buildCrds(buildDir: string, sub: "crds" | "aws-crds"): KubeObject[] {
  const dir = join(buildDir, sub);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => parse(readFileSync(join(dir, f), "utf8")) as KubeObject);
}

/** Creates (or replaces) CRDs and waits until the API server serves them. */
export async function installCrds(cp: ControlPlane, crds: readonly KubeObject[]): Promise<void> {
  const base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  for (const crd of crds) {
    await cp.client.apply(`${base}/${crd.metadata.name}`, crd, "hubfleet-sim", { force: true });
  }
  for (const crd of crds) {
    await cp.client.waitFor(`CRD ${crd.metadata.name} established`, async () => {
      const live = await cp.client.getOrUndefined<{
        status?: { conditions?: { type: string; status: string }[] };
      }>(`${base}/${crd.metadata.name}`);
      return live?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
  }
}

export async function startKarpenter(
  cp: ControlPlane,
  opts: KarpenterOptions,
): Promise<RunningKarpenter> {
  const buildDir = karpenterBuildDir();
  await installCrds(cp, buildCrds(buildDir, "crds"));

  const nodeClassName = opts.nodeClassName ?? "sim";
  const nodeClassPath = `/apis/karpenter.kwok.sh/v1alpha1/kwoknodeclasses/${nodeClassName}`;
  await cp.client.apply(
    nodeClassPath,
    {
      apiVersion: "karpenter.kwok.sh/v1alpha1",
      kind: "KWOKNodeClass",
      metadata: { name: nodeClassName },
      spec: { nodeRegistrationDelay: opts.registrationDelay ?? "0s" },
    },
    "hubfleet-sim",
    { force: true },
  );
  // No controller in the KWOK provider reconciles a KWOKNodeClass; a NodePool is used only once
  // its class reports Ready, so the class is made Ready here, as a cloud provider's would be.
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await cp.client.call("PATCH", `${nodeClassPath}/status`, {
    body: {
      status: {
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "Ready",
            message: "",
            lastTransitionTime: now,
            observedGeneration: 1,
          },
        ],
      },
    },
    contentType: "application/merge-patch+json",
  });

  const typesFile = join(cp.dir, "karpenter-instance-types.json");
  writeFileSync(typesFile, JSON.stringify(opts.instanceTypes, null, 2));
  const logPath = join(cp.logDir, "karpenter.log");
  const proc = new ManagedProcess({
    name: "karpenter",
    command: join(buildDir, "controller"),
    args: [],
    logPath,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      KUBECONFIG: cp.kubeconfigPath,
      INSTANCE_TYPES_FILE_PATH: typesFile,
      DISABLE_LEADER_ELECTION: "true",
      // ":0": random free ports, so parallel runs do not collide.
      METRICS_PORT: "0",
      HEALTH_PROBE_PORT: "0",
      // Karpenter's defaults assume a container's limits; a test process has none.
      CPU_REQUESTS: "1000",
      LOG_LEVEL: "debug",
      ...opts.env,
    },
  });
  // The control plane's watchdog kills these process groups if the test process is SIGKILLed.
  try {
    appendFileSync(join(cp.dir, "pgids"), `${proc.pid}\n`);
  } catch {
    // the control plane is gone; stop() below still works
  }
  const handle = { stop: () => proc.stop(), killNow: () => proc.killNow() };
  registerForCleanup(handle);
  const cpStop = cp.stop.bind(cp);
  cp.stop = async () => {
    await proc.stop();
    await cpStop();
  };

  // Up when it has read the NodePool API and logged its controllers starting.
  try {
    await cp.client.waitFor(
      "Karpenter's controllers to start",
      async () => {
        if (!proc.running) throw new Error(`karpenter ${proc.describeExit()}`);
        return /Starting workers/.test(readFileSync(logPath, "utf8"));
      },
      {
        timeoutMs: opts.startTimeoutMs ?? 60_000,
        intervalMs: 250,
        describe: async () => `karpenter log:\n${tailFile(logPath)}`,
      },
    );
  } catch (err) {
    await proc.stop();
    unregisterForCleanup(handle);
    throw err;
  }

  return {
    nodeClassRef: { group: "karpenter.kwok.sh", kind: "KWOKNodeClass", name: nodeClassName },
    logPath,
    buildDir,
    running: () => proc.running,
    async stop() {
      await proc.stop();
      unregisterForCleanup(handle);
    },
  };
}
