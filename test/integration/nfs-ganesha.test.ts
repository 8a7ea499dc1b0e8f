/**
 * The drives and data set servers as NFS Ganesha runs them: Debian's ganesha.nfsd started with
 * the configuration hubfleet renders (only paths and client addresses adapted, each adaptation
 * printed), serving a temporary directory, and real NFSv4 clients (libnfs) speaking to it from
 * several 127.0.0.x source addresses. Harness and adaptations: test/nfs/README.md.
 *
 * Client addresses: every entry of a rendered `Clients` list becomes one loopback address (a
 * client there stands for an address inside that entry, e.g. a node for the node range); the
 * OUTSIDERS are addresses no entry names (a pod outside every admitted range). What each client
 * may do is read from the rendered rules, so the test follows the renderer's client lists.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FleetModel } from "../../src/fleet/model.js";
import { renderFleet } from "../../src/render/index.js";
import { exampleFleet } from "../helpers.js";
import {
  afterGrace,
  ganeshaVersion,
  isGraceOrReconnect,
  type NfsAnswer,
  requireNfsPrograms,
} from "../nfs/ganesha.js";
import {
  ANONYMOUS_UID,
  NOTEBOOK,
  OUTSIDERS,
  ROOT,
  renderedServer,
  runInitCommand,
  ServerUnderTest,
} from "../nfs/servers.js";

const INITIALIZED = "alice";
const UNINITIALIZED = "dave";

interface MountSpec {
  readonly mountPath: string;
  readonly subPath?: string;
  readonly readOnly?: boolean;
}

interface HomeInit {
  /** The init container's command as run here. */
  readonly adapted: string;
  /** The users' mount of the shared folder, when the hub has one. */
  readonly shared?: MountSpec & { readonly subPath: string };
}

/**
 * The drive as a user's first spawn leaves it, made before the server starts (Ganesha caches
 * attributes, so changes behind its back would not be seen at once): kubelet's subPath
 * directories (root's, 0755, as kubelet makes them) for two users, and the hub's rendered
 * ownership init container run for one of them, its mount paths replaced by those directories.
 */
function prepareHomes(drive: ServerUnderTest, fleet: FleetModel, hubName: string): HomeInit {
  const values = renderFleet(fleet).releases.find((r) => r.hub === hubName)?.values as {
    singleuser: {
      initContainers: Array<{ name: string; command: string[]; volumeMounts: MountSpec[] }>;
      storage: { extraVolumeMounts: MountSpec[] };
    };
  };
  const init = values.singleuser.initContainers.find((c) => c.name === "drive-home-owner");
  assert.ok(init, "the hub renders the ownership init container");
  const local = (m: MountSpec, user: string) =>
    join(drive.exportDir, (m.subPath ?? "").replace("{username}", user));
  for (const user of [INITIALIZED, UNINITIALIZED]) {
    for (const m of init.volumeMounts)
      execFileSync("install", ["-d", "-m", "0755", local(m, user)]);
  }
  const adapted = runInitCommand(init, (m) => local(m, INITIALIZED));
  const shared = values.singleuser.storage.extraVolumeMounts.find(
    (m): m is MountSpec & { subPath: string } =>
      m.subPath !== undefined && !m.subPath.includes("{username}"),
  );
  return { adapted, ...(shared ? { shared } : {}) };
}

function logAdaptations(t: { diagnostic: (s: string) => void }, s: ServerUnderTest): void {
  for (const a of s.adaptations)
    t.diagnostic(`adapted ${a.what}: ${a.rendered} -> ${a.test} (${a.why})`);
}

const expectWrite = (answer: NfsAnswer, access: string, who: string) => {
  if (access === "RW") assert.ok(answer.ok, `${who}: write refused: ${answer.error}`);
  else if (access === "RO")
    assert.match(answer.error ?? "", /NFS4ERR_ROFS/, `${who}: ${JSON.stringify(answer)}`);
  else assert.equal(answer.ok, false, `${who} has access ${access} and wrote`);
};

describe("NFS Ganesha serving the rendered drive and data set configurations", () => {
  const fleet = exampleFleet();
  const hub = fleet.hubs.find((h) => h.drive.sharedFolder) ?? fleet.hubs[0];
  assert.ok(hub);
  let drive: ServerUnderTest;
  let dataset: ServerUnderTest;
  let homeInit: HomeInit;

  // A setup failure (a missing program above all) fails every test with its message: node's
  // runner would otherwise count the tests as cancelled, not failed.
  let setupError: unknown;
  const ready = () => {
    if (setupError) throw setupError;
  };

  before(async () => {
    try {
      requireNfsPrograms();
      const driveRendered = renderedServer(fleet, hub.name, "drive");
      const census = fleet.datasets[0];
      assert.ok(census, "the example fleet has a data set");
      const datasetRendered = renderedServer(fleet, "datasets", `dataset-${census.name}`);
      drive = new ServerUnderTest("drive", driveRendered.config, 11);
      dataset = new ServerUnderTest("dataset", datasetRendered.config, 31);
      // The data set's own init container (a new volume's root to the notebook user), as rendered.
      const init = (
        (datasetRendered.statefulSet.spec as { template: { spec: { initContainers: never[] } } })
          .template.spec.initContainers as Array<{
          command: string[];
          volumeMounts: Array<{ mountPath: string }>;
        }>
      )[0];
      assert.ok(init, "a data set on a new volume has an init container");
      runInitCommand(init, () => dataset.exportDir);
      // A world-writable folder on the data set, where a squashed root may create a file.
      execFileSync("install", ["-d", "-m", "1777", join(dataset.exportDir, "scratch")]);
      homeInit = prepareHomes(drive, fleet, hub.name);
      await Promise.all([drive.server.start(), dataset.server.start()]);
    } catch (err) {
      setupError = err;
    }
  });

  after(async () => {
    await drive?.stop();
    await dataset?.stop();
  });

  it(`Ganesha ${ganeshaVersionOrMissing()} starts with each rendered configuration, only paths and client addresses adapted`, (t) => {
    ready();
    for (const s of [drive, dataset]) {
      logAdaptations(t, s);
      assert.deepEqual(
        new Set(s.adaptations.map((a) => a.what)),
        new Set([
          "EXPORT Path",
          "NFSv4 RecoveryRoot (added)",
          ...(s.rules.clientBlocks.length > 0 ? ["CLIENT Clients"] : []),
        ]),
      );
      // Every block and key Ganesha read: an unknown key or a bad value is logged as a config error.
      assert.doesNotMatch(
        s.server.log(),
        /CONFIG :(CRIT|MAJ|FATAL)|Config_ParseError|Unknown parameter/i,
      );
    }
  });

  it("the drive: each client can write exactly as the rendered rules say, from every address", async () => {
    ready();
    for (const address of drive.addresses.keys()) {
      const { access } = drive.ruleFor(address);
      const { session, mount } = await drive.session(address, ROOT);
      if (access === "None") {
        assert.equal(mount.ok, false, `${address} may not mount`);
        continue;
      }
      assert.ok(mount.ok, `${address}: ${mount.error}`);
      const { answer } = await afterGrace(() => session.write(`/client-${address}`, 4096));
      expectWrite(answer, access, `drive client ${address}`);
    }
  });

  it("the drive: root is squashed as rendered (the user servers' init container needs root)", async () => {
    ready();
    const address = drive.addressWith("RW");
    assert.ok(address, "some client may write the drive");
    const { session } = await drive.session(address, ROOT);
    const { answer } = await afterGrace(() => session.write("/made-by-root", 100));
    assert.ok(answer.ok, answer.error);
    const owner = await session.stat("/made-by-root");
    const squash = drive.ruleFor(address).squash;
    assert.equal(owner.uid, /no_root_squash/i.test(squash) ? 0 : ANONYMOUS_UID, `squash ${squash}`);
    assert.equal(statSync(join(drive.exportDir, "made-by-root")).uid, owner.uid);
  });

  it("the drive: homes and the shared folder as the ownership init container leaves them", async (t) => {
    ready();
    t.diagnostic(`ran the init container's command as: ${homeInit.adapted}`);
    const node = drive.addressWith("RW");
    assert.ok(node);
    const { session: alice } = await drive.session(node, NOTEBOOK);
    const seen = await alice.stat(`/home/${INITIALIZED}`);
    assert.deepEqual(
      [seen.uid, seen.gid],
      [NOTEBOOK.uid, NOTEBOOK.gid],
      "the home as a client sees it",
    );
    const { answer: wrote } = await afterGrace(() =>
      alice.write(`/home/${INITIALIZED}/notebook.ipynb`, 2048),
    );
    assert.ok(wrote.ok, wrote.error);
    // Control: a home kubelet made but no init container handed over stays root's, closed to the user.
    const raw = await alice.stat(`/home/${UNINITIALIZED}`);
    assert.deepEqual([raw.uid, raw.gid], [0, 0]);
    const refused = await alice.write(`/home/${UNINITIALIZED}/notebook.ipynb`, 10);
    assert.match(refused.error ?? "", /NFS4ERR_ACCESS|NFS4ERR_PERM/, JSON.stringify(refused));
    if (homeInit.shared) {
      // Users mount it read-only (kubelet's bind mount: not NFS's to refuse); the admins' mount
      // is read-write, and through it the notebook user can write because the init container
      // handed the folder over.
      assert.equal(homeInit.shared.readOnly, true, "users mount the shared folder read-only");
      const folder = await alice.stat(`/${homeInit.shared.subPath}`);
      assert.deepEqual([folder.uid, folder.gid], [NOTEBOOK.uid, NOTEBOOK.gid]);
      const admin = await alice.write(`/${homeInit.shared.subPath}/syllabus.pdf`, 1500);
      assert.ok(admin.ok, admin.error);
    }
    // In a pod the init container hands over through NFS: root may change an owner there
    // (no root squash). Shown on a file: libnfs 4.0 changes attributes through an OPEN, which a
    // directory refuses (NFS4ERR_ISDIR); the server checks a file's and a directory's owner
    // change alike.
    const { session: root } = await drive.session(node, ROOT);
    assert.ok((await root.write("/home/handed-over", 10)).ok);
    const chown = await root.chown("/home/handed-over", NOTEBOOK);
    assert.ok(chown.ok, chown.error);
    const handed = await alice.stat("/home/handed-over");
    assert.deepEqual([handed.uid, handed.gid], [NOTEBOOK.uid, NOTEBOOK.gid]);
    // Control: the notebook user may not give a file away.
    const { session: other } = await drive.session(node, NOTEBOOK);
    const giveAway = await other.chown(`/home/${INITIALIZED}/notebook.ipynb`, {
      uid: 1001,
      gid: 100,
    });
    assert.equal(giveAway.ok, false, "a non-root client changed an owner");
  });

  it("the data set: refuses every client its rules do not list (no mount, no write); the listed range may write", async () => {
    ready();
    // Only the nodes (kubelet) are clients: the export admits nobody else, not even to read.
    assert.equal(dataset.rules.access, "None", "the data set's export admits no one by default");
    let outsiders = 0;
    for (const address of dataset.addresses.keys()) {
      const { access } = dataset.ruleFor(address);
      const { session, mount } = await dataset.session(address, NOTEBOOK);
      if (access === "None") {
        assert.equal(mount.ok, false, `${address} may not mount the data set`);
        outsiders++;
        continue;
      }
      assert.ok(mount.ok, `${address}: ${mount.error}`);
      const { answer } = await afterGrace(() => session.write(`/from-${address}`, 1000));
      expectWrite(answer, access, `data set client ${address}`);
      const listing = await session.stat("/");
      assert.ok(listing.ok, listing.error);
    }
    assert.ok(outsiders >= OUTSIDERS.length, "the unlisted addresses were tried");
  });

  it("the data set: root is squashed, also on the read-write clients", async () => {
    ready();
    const writer = dataset.addressWith("RW");
    if (!writer) return assert.fail("no client may write the data set: nothing to squash");
    const squash = dataset.ruleFor(writer).squash;
    assert.match(squash, /^root_squash$|^all_squash$/i);
    const { session } = await dataset.session(writer, ROOT);
    // The export's root belongs to the notebook user (2775): root, squashed, may not create there.
    const { answer: refused } = await afterGrace(() => session.write("/root-was-here", 100));
    assert.match(refused.error ?? "", /NFS4ERR_ACCESS/, JSON.stringify(refused));
    // In a world-writable folder it may, and the file is the anonymous user's, not root's.
    const made = await session.write("/scratch/root-was-here", 100);
    assert.ok(made.ok, made.error);
    assert.equal((await session.stat("/scratch/root-was-here")).uid, ANONYMOUS_UID);
    assert.equal(statSync(join(dataset.exportDir, "scratch/root-was-here")).uid, ANONYMOUS_UID);
  });

  for (const [variant, keepRecords] of [
    ["its container restarted (client records in the container's filesystem: gone)", false],
    ["its client records kept (as on a persistent RecoveryRoot)", true],
  ] as const) {
    it(`the drive killed mid-session, ${variant}: the client's next operation succeeds after the grace period, nothing lost`, async (t) => {
      ready();
      const node = drive.addressWith("RW");
      assert.ok(node);
      // A user's server writing in its home (the init container handed it over, see above).
      const { session } = await drive.session(node, NOTEBOOK);
      const name = (f: string) => `/home/${INITIALIZED}/${keepRecords ? "kept" : "fresh"}-${f}`;
      const { answer: before } = await afterGrace(() =>
        session.write(name("before.bin"), 64 * 1024, 7),
      );
      assert.ok(before.ok, before.error);
      await drive.server.kill("SIGKILL");
      if (!keepRecords) rmSync(drive.recoveryDir, { recursive: true, force: true });
      await drive.server.start();
      // libnfs 4.0 cannot resume a session whose connection broke ("nfs_service failed"), where
      // a kernel client would set up its client id again: the same client — address, user —
      // continues in a new session.
      const broken = await session.stat(name("before.bin"));
      t.diagnostic(`the old session after the restart: ${JSON.stringify(broken)}`);
      const { session: again } = await drive.session(node, NOTEBOOK);
      const { answer: next, refusals } = await afterGrace(() =>
        again.write(name("after.bin"), 64 * 1024, 8),
      );
      t.diagnostic(
        `${refusals.length} refusals before the write: ${[...new Set(refusals)].join(" | ")}`,
      );
      assert.ok(next.ok, `the next write after the restart: ${next.error}`);
      for (const r of refusals) assert.ok(isGraceOrReconnect(r), r);
      assert.match(drive.server.log(), /NFS Server Now IN GRACE/);
      const kept = await again.read(name("before.bin"));
      assert.equal(kept.sha256, before.sha256, "the file written before the kill is intact");
      assert.equal((await again.read(name("after.bin"))).sha256, next.sha256);
      assert.equal(readFileSync(join(drive.exportDir, name("before.bin"))).length, 64 * 1024);
      assert.equal(drive.server.exits.at(-1), null, "the server before was killed by the signal");
    });
  }
});

function ganeshaVersionOrMissing(): string {
  try {
    return ganeshaVersion();
  } catch {
    return "(not installed: run .ci/run)";
  }
}
