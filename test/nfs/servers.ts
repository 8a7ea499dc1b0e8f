/**
 * The rendered NFS servers as the tests run them: the rendered ganesha.conf and StatefulSet of a
 * drive or data set server, a Ganesha server of that configuration in a namespace of its own
 * with its client addresses, and the rendered init containers' commands run on the served
 * directory.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FleetModel } from "../../src/fleet/model.js";
import { renderFleet } from "../../src/render/index.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import {
  GaneshaServer,
  type Identity,
  LoopbackNamespace,
  type NfsAnswer,
  NfsSession,
} from "./ganesha.js";
import {
  type Adaptation,
  adaptGaneshaConfig,
  type ExportRules,
  exportRules,
  parseGanesha,
} from "./ganeshaConfig.js";

export const ROOT: Identity = { uid: 0, gid: 0 };
export const NOTEBOOK: Identity = { uid: 1000, gid: 100 };
/** Ganesha's default Anonymous_uid (-2 as an unsigned 32-bit id): what a squashed root becomes. */
export const ANONYMOUS_UID = 4294967294;
export const OUTSIDERS = ["127.0.0.201", "127.0.0.202"];

/** A rendered NFS server: its ConfigMap's ganesha.conf and its StatefulSet. */
export interface RenderedServer {
  readonly config: string;
  readonly statefulSet: KubeObject;
}

export function renderedServer(fleet: FleetModel, namespace: string, name: string): RenderedServer {
  const objects = renderFleet(fleet).manifests.map((m) => m.object);
  const find = (kind: string, n: string) => {
    const o = objects.find(
      (x) => x.kind === kind && x.metadata.namespace === namespace && x.metadata.name === n,
    );
    assert.ok(o, `rendered ${kind} ${namespace}/${n}`);
    return o;
  };
  const configMap = find("ConfigMap", `${name}-ganesha`) as KubeObject & {
    data: Record<string, string>;
  };
  const config = configMap.data["ganesha.conf"];
  assert.ok(config);
  return { config, statefulSet: find("StatefulSet", name) };
}

/** A server of the rendered configuration in a namespace of its own, and its clients' addresses. */
export class ServerUnderTest {
  readonly dir: string;
  readonly exportDir: string;
  readonly recoveryDir: string;
  readonly rules: ExportRules;
  readonly adaptations: Adaptation[];
  /** Loopback address → the rendered client entry it stands for (absent: an outsider). */
  readonly addresses = new Map<string, string | undefined>();
  readonly namespace: LoopbackNamespace;
  readonly server: GaneshaServer;
  private readonly sessions: NfsSession[] = [];

  /** `exportDir`: serve this directory (default: a new one in the server's temporary directory). */
  constructor(label: string, rendered: string, base: number, exportDir?: string) {
    this.dir = mkdtempSync(join(tmpdir(), `hubfleet-nfs-${label}-`));
    this.exportDir = exportDir ?? join(this.dir, "export");
    this.recoveryDir = join(this.dir, "recovery");
    execFileSync("mkdir", ["-p", this.exportDir, this.recoveryDir]);
    let next = base;
    const byEntry = new Map<string, string>();
    const { config, adaptations } = adaptGaneshaConfig(rendered, {
      exportPath: this.exportDir,
      recoveryRoot: this.recoveryDir,
      clientAddress: (entry) => {
        const known = byEntry.get(entry);
        if (known) return known;
        const address = `127.0.0.${next++}`;
        byEntry.set(entry, address);
        this.addresses.set(address, entry);
        return address;
      },
    });
    for (const a of OUTSIDERS) this.addresses.set(a, undefined);
    this.adaptations = adaptations;
    this.rules = exportRules(parseGanesha(rendered));
    this.namespace = LoopbackNamespace.create([...this.addresses.keys()]);
    this.server = new GaneshaServer({ config, dir: this.dir, namespace: this.namespace });
  }

  /** The access and squash the rendered rules give a client at `address`. */
  ruleFor(address: string): { access: string; squash: string } {
    const entry = this.addresses.get(address);
    const block = this.rules.clientBlocks.find(
      (b) => entry !== undefined && b.clients.includes(entry),
    );
    return block ?? { access: this.rules.access, squash: this.rules.squash };
  }

  /** A client address whose rendered access is `access`. */
  addressWith(access: string): string | undefined {
    return [...this.addresses.keys()].find((a) => this.ruleFor(a).access === access);
  }

  async session(
    address: string,
    identity: Identity,
  ): Promise<{ session: NfsSession; mount: NfsAnswer }> {
    const opened = await NfsSession.open(this.namespace, address, identity);
    this.sessions.push(opened.session);
    return opened;
  }

  async stop(): Promise<void> {
    for (const s of this.sessions) s.close();
    await this.server.kill("SIGTERM");
    this.namespace.delete();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs an init container's `sh -c` command with its mount paths replaced by local directories. */
export function runInitCommand(
  container: { command: string[]; volumeMounts: Array<{ mountPath: string; subPath?: string }> },
  localPath: (mount: { mountPath: string; subPath?: string }) => string,
): string {
  const [shell, flag, script] = container.command;
  assert.equal(`${shell} ${flag}`, "sh -c", "the init container runs one sh -c command");
  assert.ok(script);
  let adapted = script;
  // Longest mount path first: /home/jovyan/shared before /home/jovyan.
  const mounts = [...container.volumeMounts].sort(
    (a, b) => b.mountPath.length - a.mountPath.length,
  );
  for (const m of mounts) adapted = adapted.split(m.mountPath).join(localPath(m));
  execFileSync("sh", ["-c", adapted]);
  return adapted;
}
