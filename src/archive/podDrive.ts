/**
 * The drive port in production: the archiver pod (archiverPod.ts) created in the hub's
 * namespace, waited for until it runs, each operation one `tar` or `sh` through the exec API,
 * and the pod deleted on close. A sleeping hub's drive server (scaled to zero between terms) is
 * started for the archiver and put back to zero on close. Not run in the tests (kwok runs no containers): the pod and the
 * commands are unit-tested, the drive operations are tested on a real NFS server instead.
 */
import { Readable } from "node:stream";
import { UsageError } from "../errors.js";
import type { DrivePort } from "../ports/drive.js";
import type { KubePort } from "../ports/kube.js";
import type { ExecPort } from "../ports/kubeExec.js";
import { DRIVE } from "../render/hub/drive.js";
import {
  ARCHIVER_CONTAINER,
  ARCHIVER_POD,
  archiverCommands,
  archiverPod,
  DATABASE_MOUNT,
  HUB_DB_CLAIM,
} from "./archiverPod.js";

const POD_START_TIMEOUT_MS = 5 * 60_000;

async function text(stream: Readable): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += (chunk as Buffer).toString();
  return out;
}

export class PodDrive implements DrivePort {
  private constructor(
    private readonly kube: KubePort,
    private readonly execPort: ExecPort,
    private readonly hub: string,
    private readonly withDatabase: boolean,
    /** The drive server was asleep (0 replicas) and was started for this pod: close puts it back. */
    private readonly wokeDrive: boolean,
  ) {}

  /** Creates the archiver pod and waits until it runs (or says why it does not). */
  static async open(
    ports: { kube: KubePort; exec: ExecPort },
    options: { fleet: string; hub: string; sleep?: (ms: number) => Promise<void> },
  ): Promise<PodDrive> {
    const { kube } = ports;
    const withDatabase =
      (await kube.get({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: options.hub,
        name: HUB_DB_CLAIM,
      })) !== undefined;
    const ref = { apiVersion: "v1", kind: "Pod", namespace: options.hub, name: ARCHIVER_POD };
    if (await kube.get(ref)) {
      throw new UsageError(
        `pod ${options.hub}/${ARCHIVER_POD} exists: another archive or restore of hub ${options.hub} runs, or one was killed`,
        `wait for it, or delete the pod (kubectl -n ${options.hub} delete pod ${ARCHIVER_POD}) and run again`,
      );
    }
    const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const deadline = Date.now() + POD_START_TIMEOUT_MS;
    const wokeDrive = await wakeDrive(kube, options.hub, sleep, deadline);
    const drive = new PodDrive(kube, ports.exec, options.hub, withDatabase, wokeDrive);
    try {
      await kube.create(archiverPod({ fleet: options.fleet, hub: options.hub, withDatabase }));
    } catch (err) {
      await drive.close();
      throw err;
    }
    for (;;) {
      const pod = await kube.get(ref);
      const status = pod?.status as
        | { phase?: string; conditions?: Array<{ type: string; message?: string }> }
        | undefined;
      if (status?.phase === "Running") return drive;
      if (status?.phase === "Failed" || Date.now() > deadline) {
        await drive.close();
        const why =
          status?.conditions?.find((c) => c.message)?.message ?? status?.phase ?? "not started";
        throw new UsageError(
          `the archiver pod in ${options.hub} did not start: ${why}`,
          `see kubectl -n ${options.hub} describe pod ${ARCHIVER_POD} (the drive's claim must be bound; the database volume attaches only on the hub pod's node)`,
        );
      }
      await sleep(2000);
    }
  }

  private run(command: readonly string[], stdin?: Readable) {
    return this.execPort.exec({
      namespace: this.hub,
      pod: ARCHIVER_POD,
      container: ARCHIVER_CONTAINER,
      command,
      ...(stdin ? { stdin } : {}),
    });
  }

  private async output(command: readonly string[], stdin?: Readable): Promise<string> {
    const { stdout, done } = this.run(command, stdin);
    const [out] = await Promise.all([text(stdout), done]);
    return out;
  }

  async users(): Promise<string[]> {
    return (await this.output(archiverCommands.users())).split("\n").filter((l) => l !== "");
  }

  async exists(path: string): Promise<boolean> {
    return (await this.output(archiverCommands.exists(path))).trim() === "yes";
  }

  async existing(base: string, paths: readonly string[]): Promise<string[]> {
    const input = Readable.from([paths.map((p) => `${p}\n`).join("")]);
    return (await this.output(archiverCommands.existing(base), input))
      .split("\n")
      .filter((l) => l !== "");
  }

  private stream(command: readonly string[]): Readable {
    const { stdout, done } = this.run(command);
    done.catch((err: Error) => stdout.destroy(err));
    return stdout;
  }

  async fileBytes(path: string): Promise<number> {
    return Number((await this.output(archiverCommands.fileBytes(path))).trim());
  }

  async databaseFileBytes(): Promise<number> {
    return Number((await this.output(archiverCommands.fileBytes(DATABASE_MOUNT))).trim());
  }

  readTar(path: string): Readable {
    return this.stream(archiverCommands.readTar(path));
  }

  async hasDatabase(): Promise<boolean> {
    return this.withDatabase;
  }

  readDatabaseTar(): Readable {
    return this.stream(archiverCommands.readDatabaseTar());
  }

  async writeTar(path: string, tar: Readable, options: { readOnly: boolean }): Promise<void> {
    await this.output(archiverCommands.writeTar(path, options.readOnly), tar);
  }

  async close(): Promise<void> {
    await this.kube.delete(
      { apiVersion: "v1", kind: "Pod", namespace: this.hub, name: ARCHIVER_POD },
      { propagation: "Background" },
    );
    if (this.wokeDrive) await this.kube.scale(driveRef(this.hub), 0);
  }
}

function driveRef(hub: string) {
  return { apiVersion: "apps/v1", kind: "StatefulSet", namespace: hub, name: DRIVE };
}

/**
 * A hub asleep between terms has its drive server at zero replicas: nothing answers the NFS
 * mount. Starts it (one replica, as apply renders an awake hub) and waits until it is ready;
 * true when it did, so close() can put the hub back to sleep as it found it.
 */
async function wakeDrive(
  kube: KubePort,
  hub: string,
  sleep: (ms: number) => Promise<void>,
  deadline: number,
): Promise<boolean> {
  const ref = driveRef(hub);
  const live = await kube.get(ref);
  if ((live?.spec as { replicas?: number } | undefined)?.replicas !== 0) return false;
  await kube.scale(ref, 1);
  for (;;) {
    const status = (await kube.get(ref))?.status as { readyReplicas?: number } | undefined;
    if ((status?.readyReplicas ?? 0) >= 1) return true;
    if (Date.now() > deadline) {
      await kube.scale(ref, 0);
      throw new UsageError(
        `hub ${hub} is asleep and its drive server did not start for the archive`,
        `see kubectl -n ${hub} describe statefulset ${DRIVE}; it was put back to zero replicas`,
      );
    }
    await sleep(2000);
  }
}
