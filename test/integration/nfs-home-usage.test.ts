/**
 * Per-user storage, measured as the drive pod measures it: a drive's rendered Ganesha serves a
 * small filesystem of its own (a tmpfs, standing for the drive's volume), a user writes through
 * NFS, the rendered home-usage sidecar's script measures the homes, and node_exporter (built from
 * the same version as the sidecar's image) runs with the rendered arguments; `status`'s own
 * parser reads its answer. Adapted (paths and the listen address only): the script's HOMES_DIR
 * and TEXTFILE_DIR; node_exporter's textfile directory, listen address and `--path.rootfs` (so
 * the tmpfs is reported at the mount point the pod has, /shared-volume).
 *
 * Then `status`'s reading goes the way it goes in a cluster: through the real kube-apiserver's
 * Service proxy (the test control plane) to the drive Service's metrics port, whose endpoint is
 * this node_exporter. Stand-in: the drive pod behind the endpoint is an object only (a pod bound
 * to no node, its address set to this machine's), since kwok runs no containers.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type ControlPlane, startControlPlane } from "../../sim/index.js";
import {
  type DriveUsage,
  driveUsageFromMetrics,
  readDriveUsage,
} from "../../src/apply/driveUsage.js";
import { kubePortFromConfig } from "../../src/ports/kube.js";
import { HOME_USED_METRIC } from "../../src/render/homeUsage.js";
import { renderFleet } from "../../src/render/index.js";
import { METRICS_DATA_MOUNT } from "../../src/render/nfs.js";
import { nodeExporterBinary } from "../goTools.js";
import { exampleFleet, proxyableAddress } from "../helpers.js";
import { afterGrace, requireNfsPrograms } from "../nfs/ganesha.js";
import { NOTEBOOK, renderedServer, ServerUnderTest } from "../nfs/servers.js";

const VOLUME_BYTES = 64 * 1024 * 1024;
const WRITTEN = 1024 * 1024;

interface Container {
  readonly name: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: Array<{ name: string; value: string }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(),
      );
    });
  });
}

describe("each home's usage, measured on a drive served by NFS Ganesha", () => {
  const fleet = exampleFleet();
  const hub = fleet.hubs[0];
  assert.ok(hub);
  const root = mkdtempSync(join(tmpdir(), "hubfleet-home-usage-"));
  // node_exporter's --path.rootfs: mount points under it are reported without the prefix.
  const volume = join(root, "rootfs", METRICS_DATA_MOUNT);
  const textfiles = join(root, "textfile");
  let drive: ServerUnderTest;
  let containers: Container[];
  let exporter: ChildProcess | undefined;
  let metricsUrl = "";
  let exporterPort = 0;
  let mounted = false;
  let cp: ControlPlane | undefined;
  const listenAddress = proxyableAddress();

  // A setup failure (a missing program above all) fails every test with its message: node's
  // runner would otherwise count the tests as cancelled, not failed.
  let setupError: unknown;
  const ready = () => {
    if (setupError) throw setupError;
  };

  before(async () => {
    try {
      requireNfsPrograms();
      const rendered = renderedServer(fleet, hub.name, "drive");
      containers = (
        rendered.statefulSet.spec as { template: { spec: { containers: Container[] } } }
      ).template.spec.containers;
      mkdirSync(volume, { recursive: true });
      mkdirSync(textfiles);
      execFileSync("mount", [
        "-t",
        "tmpfs",
        "-o",
        `size=${VOLUME_BYTES}`,
        "hubfleet-drive",
        volume,
      ]);
      mounted = true;
      for (const user of ["alice", "bob"]) {
        execFileSync("install", ["-d", "-o", "1000", "-g", "100", join(volume, "home", user)]);
      }
      drive = new ServerUnderTest("usage", rendered.config, 51, volume);
      await drive.server.start();
      const metrics = containers.find((c) => c.name === "metrics");
      assert.ok(metrics?.args, "the drive renders a metrics sidecar");
      const port = await freePort();
      const args = metrics.args.map((a) =>
        a.startsWith("--web.listen-address=")
          ? `--web.listen-address=${listenAddress}:${port}`
          : a.startsWith("--collector.textfile.directory=")
            ? `--collector.textfile.directory=${textfiles}`
            : a,
      );
      assert.ok(
        args.includes(`--collector.textfile.directory=${textfiles}`),
        "textfile collector on",
      );
      exporter = spawn(nodeExporterBinary(), [...args, `--path.rootfs=${join(root, "rootfs")}`], {
        stdio: "ignore",
      });
      metricsUrl = `http://${listenAddress}:${port}/metrics`;
      exporterPort = port;
    } catch (err) {
      setupError = err;
    }
  });

  after(async () => {
    await cp?.stop();
    exporter?.kill();
    await drive?.stop();
    if (mounted) execFileSync("umount", [volume]);
    rmSync(root, { recursive: true, force: true });
  });

  /** One pass of the rendered home-usage script (it measures, then sleeps: stopped once written). */
  async function measureHomes(): Promise<string> {
    const sidecar = containers.find((c) => c.name === "home-usage");
    assert.ok(sidecar?.command, "the drive renders the home-usage sidecar");
    const out = join(textfiles, "home_usage.prom");
    rmSync(out, { force: true });
    const env = Object.fromEntries((sidecar.env ?? []).map((e) => [e.name, e.value]));
    const adapted = { ...env, HOMES_DIR: join(volume, "home"), TEXTFILE_DIR: textfiles };
    const [cmd, ...args] = sidecar.command;
    assert.ok(cmd);
    const run = spawn(cmd, args, {
      env: { PATH: process.env.PATH ?? "", ...adapted },
      stdio: "ignore",
    });
    try {
      for (let i = 0; i < 200 && !existsSync(out); i++) await sleep(50);
      assert.ok(existsSync(out), "the script wrote its figures");
      return readFileSync(out, "utf8");
    } finally {
      run.kill();
    }
  }

  async function scrape(): Promise<{ usage: DriveUsage; text: string }> {
    let last: unknown;
    for (let i = 0; i < 100; i++) {
      try {
        const text = await (await fetch(metricsUrl)).text();
        const usage = driveUsageFromMetrics(text);
        assert.ok(usage, `node_exporter reports ${METRICS_DATA_MOUNT}`);
        return { usage, text };
      } catch (err) {
        last = err;
        await sleep(100);
      }
    }
    throw last;
  }

  const home = (u: DriveUsage, user: string) => u.homes.find((h) => h.user === user)?.usedBytes;

  it("a user's write through NFS shows in that home's figure and in the drive's fill", async (t) => {
    ready();
    const firstFile = await measureHomes();
    t.diagnostic(`the script's first file:\n${firstFile}`);
    const before = await scrape();
    assert.equal(
      before.usage.sizeBytes,
      VOLUME_BYTES,
      "the drive's size as node_exporter reports it",
    );
    const aliceBefore = home(before.usage, "alice");
    const bobBefore = home(before.usage, "bob");
    assert.ok(
      aliceBefore !== undefined && bobBefore !== undefined,
      JSON.stringify(before.usage.homes),
    );
    // node_exporter read the file without complaint.
    assert.match(before.text, /^node_textfile_scrape_error 0$/m);

    // A client the rendered rules let write (kubelet's mount of the drive, for a user's server).
    const writer = drive.addressWith("RW");
    assert.ok(writer, "some client may write the drive");
    const { session } = await drive.session(writer, NOTEBOOK);
    const { answer } = await afterGrace(() => session.write("/home/alice/data.bin", WRITTEN, 3));
    assert.ok(answer.ok, answer.error);

    await measureHomes();
    const after = await scrape();
    const aliceAfter = home(after.usage, "alice") ?? 0;
    t.diagnostic(
      `alice: ${aliceBefore} -> ${aliceAfter} bytes; drive used ${before.usage.usedBytes} -> ${after.usage.usedBytes}`,
    );
    // du counts allocated blocks: at least what was written, at most a few blocks more.
    assert.ok(aliceAfter - aliceBefore >= WRITTEN, `alice grew by ${aliceAfter - aliceBefore}`);
    assert.ok(
      aliceAfter - aliceBefore <= WRITTEN + 64 * 1024,
      `alice grew by ${aliceAfter - aliceBefore}`,
    );
    assert.equal(home(after.usage, "bob"), bobBefore, "bob's home did not change");
    assert.ok(after.usage.usedBytes - before.usage.usedBytes >= WRITTEN, "the drive's fill grew");
    assert.equal(after.usage.homes[0]?.user, "alice", "the largest home first");
    assert.match(after.text, new RegExp(`^${HOME_USED_METRIC}\\{user="alice"\\} \\S+$`, "m"));
  });

  it("status reads the same figures through the API server's Service proxy (the drive Service's metrics port)", async () => {
    ready();
    cp = await startControlPlane();
    const kube = kubePortFromConfig({ kubeconfig: cp.kubeconfigPath });
    const ns = hub.name;
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    // The rendered drive Service's ports, its endpoint pointed at the node_exporter above (kwok's
    // pods run nothing).
    const rendered = renderFleet(fleet).manifests.find(
      (m) =>
        m.object.kind === "Service" &&
        m.object.metadata.namespace === ns &&
        m.object.metadata.name === "drive",
    );
    assert.ok(rendered);
    const spec = rendered.object.spec as { ports: Array<{ name: string; port: number }> };
    assert.ok(
      spec.ports.some((p) => p.name === "metrics"),
      "the drive Service has a metrics port",
    );
    await kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "drive", namespace: ns },
      spec: { ports: spec.ports.map((p) => ({ name: p.name, port: p.port, protocol: "TCP" })) },
    });
    // The API server proxies only to an endpoint backed by a pod that has the address: a pod
    // bound to no node (nothing runs it), its address set to node_exporter's.
    await kube.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "drive-0", namespace: ns },
      spec: { nodeName: "no-node", containers: [{ name: "metrics", image: "not-pulled" }] },
    });
    await cp.client.call("PATCH", `/api/v1/namespaces/${ns}/pods/drive-0/status`, {
      body: { status: { podIP: listenAddress, podIPs: [{ ip: listenAddress }] } },
      contentType: "application/merge-patch+json",
    });
    await kube.apply({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "drive", namespace: ns },
      subsets: [
        {
          addresses: [
            { ip: listenAddress, targetRef: { kind: "Pod", name: "drive-0", namespace: ns } },
          ],
          ports: [{ name: "metrics", port: exporterPort, protocol: "TCP" }],
        },
      ],
    });
    const reading = (await readDriveUsage(kube, [ns])).get(ns);
    assert.ok(reading && "usage" in reading, JSON.stringify(reading));
    const direct = await scrape();
    assert.equal(reading.usage.sizeBytes, direct.usage.sizeBytes);
    assert.deepEqual(reading.usage.homes, direct.usage.homes);
    assert.ok((home(reading.usage, "alice") ?? 0) >= WRITTEN);
    // A hub whose drive does not answer: a reason, not an exception.
    const missing = (await readDriveUsage(kube, ["no-such-hub"])).get("no-such-hub");
    assert.ok(missing && "problem" in missing, JSON.stringify(missing));
  });
});
