// A real Kubernetes control plane for tests: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok (simulated nodes), built from upstream by scripts/sim/build and
// started on 127.0.0.1 only, with a throwaway PKI, tokens and temp dir per run.
import { execFile } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { type SimBinary, simBinDir } from "./binaries.js";
import { generatePki, type RunPki, randomToken } from "./certs.js";
import { KubeClient, type KubeClient as KubeClientType, nodeIsReady, waitFor } from "./kube.js";
import { defaultSimNodes, KWOK_NODE_ANNOTATION, type SimNode, simNodeManifest } from "./nodes.js";
import {
  ManagedProcess,
  registerForCleanup,
  removeDir,
  startWatchdog,
  tailFile,
  unregisterForCleanup,
} from "./processes.js";
import {
  startTestProvisioner,
  TEST_PROVISIONER_NAME,
  type TestProvisioner,
} from "./testProvisioner.js";

const here = dirname(fileURLToPath(import.meta.url));
export const KWOK_STAGES_FILE = join(here, "kwok-stages.yaml");

/** Name of the StorageClass served by the test-only provisioner (default class). */
export const SIM_STORAGE_CLASS = "sim-standard";

export interface ControlPlaneOptions {
  /** Simulated nodes to create (default: defaultSimNodes()). */
  nodes?: SimNode[];
  /** Service ClusterIP range (default 10.96.0.0/12). */
  serviceCidr?: string;
  /** Pod IPs kwok hands out (default 10.244.0.0/16). */
  podCidr?: string;
  /** Where the binaries are (default: simBinDir(), which builds them if missing). */
  binDir?: string;
  /** Run the test-only dynamic provisioner + StorageClass sim-standard (default true). */
  testProvisioner?: boolean;
  /** Provisioner names the test-only provisioner also stands in for (e.g. ebs.csi.aws.com). */
  testProvisionerStandInFor?: readonly string[];
  /** Make sim-standard the default StorageClass (default true). */
  defaultStorageClass?: boolean;
  /** Give up starting after this long (default 90 s). */
  startTimeoutMs?: number;
  /** Keep the temp dir (logs, certs) after stop (default: env HUBFLEET_SIM_KEEP=1). */
  keepTempDir?: boolean;
  /** Progress messages (default: stderr when HUBFLEET_SIM_VERBOSE=1, else silent). */
  log?: (message: string) => void;
}

export interface StartSchedulerOptions {
  name: string;
  configYaml: string;
  /**
   * Bearer token to run as (e.g. a ServiceAccount's, so its RBAC is what is tested); default:
   * the control plane's own system:kube-scheduler user.
   */
  token?: string;
  /** Keep the configuration's leaderElection as it is (default: turned off). */
  keepLeaderElection?: boolean;
  /** More command-line flags (e.g. the ones a rendered Deployment passes). */
  extraArgs?: readonly string[];
}

export interface SimScheduler {
  name: string;
  logPath: string;
  stop(): Promise<void>;
}

export interface ControlPlane {
  /** kubeconfig (admin, token auth) for this run. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin bearer token (group system:masters). */
  token: string;
  /** CA certificate file and PEM of the apiserver's serving certificate. */
  caFile: string;
  caPem: string;
  binDir: string;
  /** The run's temp dir (certs, etcd data, logs/). */
  dir: string;
  logDir: string;
  /** Admin REST client. */
  client: KubeClientType;
  /** Kubernetes version the apiserver reports (e.g. v1.36.3). */
  version: string;
  /** Milliseconds from startControlPlane() to ready. */
  startupMs: number;
  /** Environment for CLI tools against this cluster: KUBECONFIG, PATH with binDir, HELM_* dirs. */
  env: NodeJS.ProcessEnv;
  /** Runs one of the built binaries (helm, promtool, ...) with `env`. */
  run(
    binary: SimBinary,
    args: string[],
    opts?: { input?: string; timeoutMs?: number },
  ): Promise<RunResult>;
  /** Starts an additional kube-scheduler with the given KubeSchedulerConfiguration YAML. */
  startScheduler(opts: StartSchedulerOptions): Promise<SimScheduler>;
  /** Component name -> log file. */
  logs(): Record<string, string>;
  /** The component processes started so far (each leads its own process group). */
  processes(): { name: string; pid: number; logPath: string; running: boolean }[];
  /** Stops everything and removes the temp dir. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  // Locate (and if needed build) the binaries first: a build does not count against the
  // start budget nor toward startupMs.
  const binDir = opts.binDir ?? simBinDir();
  const t0 = Date.now();
  const log =
    opts.log ??
    (process.env.HUBFLEET_SIM_VERBOSE === "1"
      ? (m: string) =>
          process.stderr.write(`[sim +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`)
      : () => {});
  const nodes = opts.nodes ?? defaultSimNodes();
  const serviceCidr = opts.serviceCidr ?? "10.96.0.0/12";
  const podCidr = opts.podCidr ?? "10.244.0.0/16";
  const keep = opts.keepTempDir ?? process.env.HUBFLEET_SIM_KEEP === "1";
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  checkNodes(nodes);
  /** Time left of the overall start budget, for each readiness wait. */
  const budget = () => Math.max(1_000, t0 + startTimeoutMs - Date.now());

  const dir = mkdtempSync(join(tmpdir(), "hubfleet-sim-"));
  const logDir = join(dir, "logs");
  const pkiDir = join(dir, "pki");
  const home = join(dir, "home");
  for (const d of [logDir, pkiDir, home]) mkdirSync(d, { recursive: true });
  const pgidFile = join(dir, "pgids");
  writeFileSync(pgidFile, "");

  const processes: ManagedProcess[] = [];
  let provisioner: TestProvisioner | undefined;
  let client: KubeClient | undefined;
  let stopped = false;
  let ready = false;
  const watchdog = startWatchdog(pgidFile, dir);

  const componentEnv: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete componentEnv.KUBECONFIG;

  const spawnComponent = (name: string, binary: SimBinary, args: string[]): ManagedProcess => {
    const proc = new ManagedProcess({
      name,
      command: join(binDir, binary),
      args,
      logPath: join(logDir, `${name}.log`),
      env: componentEnv,
      cwd: dir,
    });
    appendFileSync(pgidFile, `${proc.pid}\n`);
    processes.push(proc);
    void proc.exited.then(() => {
      if (!proc.stopRequested && ready && !stopped) {
        process.stderr.write(
          `[sim] ${name} ${proc.describeExit()} unexpectedly; last log lines (${proc.logPath}):\n${tailFile(proc.logPath)}\n`,
        );
      }
    });
    return proc;
  };

  /** Rejects as soon as any component exits during startup. */
  const anyExit = (): Promise<never> =>
    new Promise<never>((_, reject) => {
      for (const p of processes) {
        void p.exited.then(() => {
          if (!p.stopRequested) reject(new ComponentError(p.name, `${p.name} ${p.describeExit()}`));
        });
      }
    });
  const step = async <T>(component: string, what: string, fn: () => Promise<T>): Promise<T> => {
    const exit = anyExit();
    exit.catch(() => {});
    try {
      const v = await Promise.race([fn(), exit]);
      log(`${what}: ok`);
      return v;
    } catch (err) {
      if (err instanceof ComponentError) throw err;
      throw new ComponentError(component, `${what}: ${(err as Error).message}`);
    }
  };

  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopping ??= doStop();
    return stopping;
  };
  const doStop = async (): Promise<void> => {
    stopped = true;
    await provisioner?.stop();
    client?.close();
    // Everything but the store first, then etcd, then the watchdog.
    const etcd = processes.filter((p) => p.name === "etcd");
    const rest = processes.filter((p) => p.name !== "etcd");
    await Promise.all(rest.map((p) => p.stop(5_000)));
    await Promise.all(etcd.map((p) => p.stop(5_000)));
    await watchdog.stop(1_000);
    if (!keep) removeDir(dir);
    else process.stderr.write(`[sim] kept ${dir}\n`);
    // Only now: until here the exit handlers must still be able to kill what is left.
    unregisterForCleanup(handle);
  };
  const handle = {
    stop: stopAll,
    killNow: () => {
      stopped = true;
      for (const p of processes) p.killNow();
      watchdog.killNow();
      if (!keep) removeDir(dir);
    },
  };
  registerForCleanup(handle);

  try {
    const pki = await generatePki(pkiDir, serviceCidr);
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort] = await freePorts(5).then(
      (p) => p as [number, number, number, number, number],
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const tokens = { admin: randomToken(), kcm: randomToken(), scheduler: randomToken() };
    writeFileSync(
      join(pkiDir, "tokens.csv"),
      [
        `${tokens.admin},hubfleet-sim-admin,hubfleet-sim-admin,"system:masters"`,
        `${tokens.kcm},system:kube-controller-manager,system:kube-controller-manager`,
        `${tokens.scheduler},system:kube-scheduler,system:kube-scheduler`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const kubeconfigPath = join(dir, "kubeconfig");
    writeKubeconfig(kubeconfigPath, server, pki, tokens.admin, "hubfleet-sim-admin");
    const kcmKubeconfig = join(pkiDir, "kube-controller-manager.kubeconfig");
    writeKubeconfig(kcmKubeconfig, server, pki, tokens.kcm, "system:kube-controller-manager");
    const schedKubeconfig = join(pkiDir, "kube-scheduler.kubeconfig");
    writeKubeconfig(schedKubeconfig, server, pki, tokens.scheduler, "system:kube-scheduler");
    log(`pki and kubeconfigs in ${dir}`);

    // etcd
    const etcdData = join(dir, "etcd");
    spawnComponent("etcd", "etcd", [
      "--name=sim",
      `--data-dir=${etcdData}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=sim=http://127.0.0.1:${etcdPeerPort}`,
      "--initial-cluster-state=new",
      "--unsafe-no-fsync=true",
      "--log-level=warn",
    ]);
    await step("etcd", "etcd healthy", () =>
      waitFor(
        "etcd /health",
        async () => {
          const r = await httpGet(`http://127.0.0.1:${etcdPort}/health`);
          return r.status === 200 && r.body.includes('"true"');
        },
        { timeoutMs: budget(), intervalMs: 100 },
      ),
    );

    // kube-apiserver
    spawnComponent("kube-apiserver", "kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--bind-address=127.0.0.1`,
      `--advertise-address=127.0.0.1`,
      `--secure-port=${apiPort}`,
      `--cert-dir=${pkiDir}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${join(pkiDir, "tokens.csv")}`,
      "--authorization-mode=Node,RBAC",
      "--anonymous-auth=false",
      `--service-cluster-ip-range=${serviceCidr}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.saPublicKey}`,
      `--service-account-signing-key-file=${pki.saPrivateKey}`,
      "--allow-privileged=true",
      "--profiling=false",
      // The apiserver refuses a loopback IP as the `kubernetes` Service's endpoint; with
      // "lease" it would log that error every 10 s. The Service still exists.
      "--endpoint-reconciler-type=none",
      // Fills kube-system/extension-apiserver-authentication like a kubeadm cluster, so the
      // controller-manager's and schedulers' delegated authn finds a request-header CA.
      `--requestheader-client-ca-file=${pki.caCert}`,
      "--requestheader-allowed-names=hubfleet-sim-front-proxy",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      // Aggregated APIs (KEDA's external metrics for the HPA): the aggregator authenticates to
      // the extension server with this client certificate, and with no kube-proxy here it
      // dials the Service's endpoint address directly rather than its ClusterIP.
      `--proxy-client-cert-file=${pki.frontProxyCert}`,
      `--proxy-client-key-file=${pki.frontProxyKey}`,
      "--enable-aggregator-routing=true",
    ]);
    client = new KubeClient({ server, token: tokens.admin, ca: pki.caPem });
    const c = client;
    await step("kube-apiserver", "kube-apiserver /readyz", () =>
      waitFor(
        "kube-apiserver /readyz",
        async () => (await c.request("GET", "/readyz")).status === 200,
        { timeoutMs: budget(), intervalMs: 200 },
      ),
    );
    const version = ((await c.get<{ gitVersion: string }>("/version")).gitVersion ?? "").trim();

    // Controllers, scheduler, kwok: start together.
    const authnFlags = (kubeconfig: string) => [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
    ];
    spawnComponent("kube-controller-manager", "kube-controller-manager", [
      ...authnFlags(kcmKubeconfig),
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(dir, "kcm-certs")}`,
      "--leader-elect=false",
      "--controllers=*",
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki.saPrivateKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      `--service-cluster-ip-range=${serviceCidr}`,
      "--cluster-name=hubfleet-sim",
      "--profiling=false",
    ]);
    spawnComponent("kube-scheduler", "kube-scheduler", [
      ...authnFlags(schedKubeconfig),
      `--secure-port=${schedPort}`,
      "--leader-elect=false",
      "--profiling=false",
    ]);
    spawnComponent("kwok", "kwok", [
      `--kubeconfig=${kubeconfigPath}`,
      `--config=${KWOK_STAGES_FILE}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      `--cidr=${podCidr}`,
      "--node-lease-duration-seconds=40",
    ]);

    const nodeNames = nodes.map((n) => n.name);
    await step("kube-apiserver", "nodes created", () =>
      Promise.all(
        nodes.map((n, i) => c.create("/api/v1/nodes", simNodeManifest(n, i, version || "v0.0.0"))),
      ),
    );
    const healthz = (port: number) => async () =>
      (await httpsGetInsecure(`https://127.0.0.1:${port}/healthz`)).status === 200;
    await Promise.all([
      step("kube-controller-manager", "kube-controller-manager /healthz", () =>
        waitFor("kube-controller-manager /healthz", healthz(kcmPort), {
          timeoutMs: budget(),
        }),
      ),
      step("kube-scheduler", "kube-scheduler /healthz", () =>
        waitFor("kube-scheduler /healthz", healthz(schedPort), { timeoutMs: budget() }),
      ),
      step("kwok", "nodes Ready and untainted", () =>
        waitFor(
          `nodes ${nodeNames.join(", ")} Ready without not-ready taints`,
          async () => {
            const list = await c.list("/api/v1/nodes");
            return nodeNames.every((name) => {
              const n = list.items.find((x) => x.metadata.name === name);
              const taints: { key: string }[] = n?.spec?.taints ?? [];
              return (
                n !== undefined &&
                nodeIsReady(n) &&
                !taints.some((t) => t.key.startsWith("node.kubernetes.io/"))
              );
            });
          },
          {
            timeoutMs: budget(),
            describe: async () =>
              JSON.stringify(
                (await c.list("/api/v1/nodes")).items.map((n) => ({
                  name: n.metadata.name,
                  ready: nodeIsReady(n),
                  taints: n.spec?.taints,
                })),
              ),
          },
        ),
      ),
      step("kube-controller-manager", "default ServiceAccount + kube-root-ca.crt", () =>
        waitFor(
          "ServiceAccount default/default and ConfigMap default/kube-root-ca.crt",
          async () =>
            (await c.getOrUndefined("/api/v1/namespaces/default/serviceaccounts/default")) !==
              undefined &&
            (await c.getOrUndefined("/api/v1/namespaces/default/configmaps/kube-root-ca.crt")) !==
              undefined,
          { timeoutMs: budget() },
        ),
      ),
    ]);

    if (opts.testProvisioner ?? true) {
      await c.apply(
        `/apis/storage.k8s.io/v1/storageclasses/${SIM_STORAGE_CLASS}`,
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: {
            name: SIM_STORAGE_CLASS,
            annotations:
              (opts.defaultStorageClass ?? true)
                ? { "storageclass.kubernetes.io/is-default-class": "true" }
                : {},
          },
          provisioner: TEST_PROVISIONER_NAME,
          reclaimPolicy: "Delete",
          volumeBindingMode: "WaitForFirstConsumer",
          allowVolumeExpansion: true,
        },
        "hubfleet-sim",
        { force: true },
      );
      provisioner = startTestProvisioner(c, {
        hostPathRoot: join(dir, "volumes"),
        ...(opts.testProvisionerStandInFor ? { standInFor: opts.testProvisionerStandInFor } : {}),
      });
      log("test-only provisioner started");
    }

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KUBECONFIG: kubeconfigPath,
      PATH: `${binDir}:${process.env.PATH ?? ""}`,
      HELM_CACHE_HOME: join(home, "helm", "cache"),
      HELM_CONFIG_HOME: join(home, "helm", "config"),
      HELM_DATA_HOME: join(home, "helm", "data"),
    };

    const startScheduler = async (sopts: StartSchedulerOptions) => {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(sopts.name)) {
        throw new Error(`scheduler name ${JSON.stringify(sopts.name)}: use [a-z0-9-]`);
      }
      const parsed = parseYaml(sopts.configYaml) as Record<string, unknown> | null;
      if (parsed?.kind !== "KubeSchedulerConfiguration") {
        throw new Error("startScheduler: configYaml must be a KubeSchedulerConfiguration");
      }
      let kubeconfig = schedKubeconfig;
      if (sopts.token !== undefined) {
        kubeconfig = join(pkiDir, `scheduler-${sopts.name}.kubeconfig`);
        writeKubeconfig(kubeconfig, server, pki, sopts.token, `scheduler-${sopts.name}`);
      }
      parsed.clientConnection = {
        ...((parsed.clientConnection as object | undefined) ?? {}),
        kubeconfig,
      };
      if (!sopts.keepLeaderElection) parsed.leaderElection = { leaderElect: false };
      const configPath = join(dir, `scheduler-${sopts.name}.yaml`);
      writeFileSync(configPath, stringifyYaml(parsed));
      const port = (await freePorts(1))[0] ?? 0;
      const procName = `kube-scheduler-${sopts.name}`;
      const proc = spawnComponent(procName, "kube-scheduler", [
        `--config=${configPath}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${port}`,
        ...(sopts.extraArgs ?? []),
      ]);
      try {
        await Promise.race([
          waitFor(`${procName} /healthz`, healthz(port), { timeoutMs: 60_000 }),
          proc.exited.then((s) => {
            throw new Error(`${procName} exited (${s.signal ?? s.code})`);
          }),
        ]);
      } catch (err) {
        await proc.stop(1_000);
        throw new Error(
          `${(err as Error).message}\n--- last lines of ${proc.logPath}:\n${tailFile(proc.logPath)}`,
        );
      }
      const s: SimScheduler = { name: sopts.name, logPath: proc.logPath, stop: () => proc.stop() };
      return s;
    };

    const run = (
      binary: SimBinary,
      args: string[],
      ropts: { input?: string; timeoutMs?: number } = {},
    ): Promise<RunResult> =>
      new Promise((resolve) => {
        const child = execFile(
          join(binDir, binary),
          args,
          { env, cwd: dir, timeout: ropts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
        if (ropts.input !== undefined) child.stdin?.end(ropts.input);
        else child.stdin?.end();
      });

    ready = true;
    const startupMs = Date.now() - t0;
    log(`control plane ready in ${startupMs} ms at ${server}`);
    return {
      kubeconfigPath,
      server,
      token: tokens.admin,
      caFile: pki.caCert,
      caPem: pki.caPem,
      binDir,
      dir,
      logDir,
      client: c,
      version,
      startupMs,
      env,
      run,
      startScheduler,
      logs: () => Object.fromEntries(processes.map((p) => [p.name, p.logPath])),
      processes: () =>
        processes.map((p) => ({
          name: p.name,
          pid: p.pid,
          logPath: p.logPath,
          running: p.running,
        })),
      stop: stopAll,
    };
  } catch (err) {
    const component = err instanceof ComponentError ? err.component : undefined;
    const failed = processes.find((p) => p.name === component) ?? processes.find((p) => !p.running);
    let detail = "";
    if (failed) {
      detail = `\n--- last lines of ${failed.name}'s log (${failed.logPath}):\n${tailFile(failed.logPath)}`;
    }
    await stopAll();
    throw new Error(
      `simulated control plane failed to start after ${Date.now() - t0} ms: ${(err as Error).message}${detail}`,
      { cause: err },
    );
  }
}

class ComponentError extends Error {
  constructor(
    readonly component: string,
    message: string,
  ) {
    super(message);
  }
}

function checkNodes(nodes: SimNode[]): void {
  const seen = new Set<string>();
  for (const n of nodes) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n.name))
      throw new Error(`bad node name ${n.name}`);
    if (seen.has(n.name)) throw new Error(`duplicate node name ${n.name}`);
    seen.add(n.name);
  }
}

function writeKubeconfig(
  path: string,
  server: string,
  pki: RunPki,
  token: string,
  user: string,
): void {
  const caData = Buffer.from(readFileSync(pki.caCert)).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "hubfleet-sim", cluster: { server, "certificate-authority-data": caData } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: "hubfleet-sim", context: { cluster: "hubfleet-sim", user } }],
    "current-context": "hubfleet-sim",
    preferences: {},
  };
  writeFileSync(path, stringifyYaml(config), { mode: 0o600 });
}

/** `count` distinct free TCP ports on 127.0.0.1 (held open together so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => resolve());
      });
      const addr = srv.address();
      if (addr === null || typeof addr === "string") throw new Error("no port");
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
  }
}

type Response = { status: number; body: string };

/** A GET with a 2 s timeout, reading the body as text. */
function getText(
  get: (
    url: string,
    options: { timeout: number },
    cb: (res: http.IncomingMessage) => void,
  ) => http.ClientRequest,
  url: string,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 2_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

function httpGet(url: string): Promise<Response> {
  return getText(http.get, url);
}

/** Health probes of kube-controller-manager/kube-scheduler (self-signed serving certs). */
function httpsGetInsecure(url: string): Promise<Response> {
  return getText(
    (u, options, cb) => https.get(u, { ...options, rejectUnauthorized: false }, cb),
    url,
  );
}
