/**
 * The pieces of the reliability suite that talk to a cluster: applying until the fleet lock of
 * a killed run has expired, checking convergence with `hubfleet plan`, and watching that no
 * volume or claim ever disappears.
 */
import type { KubePort } from "../../src/ports/kube.js";
import type { CliResult, HubfleetCli } from "./cli.js";
import { type BenchCluster, CHART_DIR_ARGS } from "./cluster.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A clean failure: an `error:` line or a failed hub, and no stack trace. */
export function failedCleanly(r: CliResult): boolean {
  const output = `${r.stdout}${r.stderr}`;
  return (
    r.code === 1 &&
    /(^|\n)error: |\bfailed\b/.test(output) &&
    !/\n\s+at .+:\d+:\d+/.test(output) &&
    !/This is a bug in hubfleet/.test(output)
  );
}

export interface Convergence {
  readonly converged: boolean;
  /** Applies refused because a killed run's lock had not expired yet. */
  readonly refused: number;
  readonly detail: string;
}

export class FleetUnderTest {
  constructor(
    readonly cli: HubfleetCli,
    readonly cluster: BenchCluster,
    readonly file: string,
    readonly hubs: readonly string[],
    readonly env: NodeJS.ProcessEnv,
  ) {}

  applyArgs(extra: readonly string[] = []): string[] {
    return ["apply", this.file, ...CHART_DIR_ARGS, ...extra];
  }

  spawnApply(extra: readonly string[] = []) {
    return this.cli.spawn(this.applyArgs(extra), { env: this.env });
  }

  /** Applies until one is not refused by the lock, then checks that plan shows no changes. */
  async converge(): Promise<Convergence> {
    let refused = 0;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const r = await this.cli.run(this.applyArgs(), { env: this.env });
      if (/holds the lock/.test(r.stderr + r.stdout)) {
        refused += 1;
        await sleep(1000);
        continue;
      }
      if (r.code !== 0) {
        return {
          converged: false,
          refused,
          detail: `apply exit ${r.code}: ${r.stdout}${r.stderr}`,
        };
      }
      return { ...(await this.planClean()), refused };
    }
    return { converged: false, refused, detail: "apply refused by the lock 20 times" };
  }

  /** `hubfleet plan --detailed-exitcode` exits 0 (no changes) and every hub's release is deployed. */
  async planClean(): Promise<{ converged: boolean; detail: string }> {
    const plan = await this.cli.run(["plan", this.file, "--detailed-exitcode", ...CHART_DIR_ARGS], {
      env: this.env,
    });
    if (plan.code !== 0) {
      return { converged: false, detail: `plan exit ${plan.code}: ${plan.stdout}${plan.stderr}` };
    }
    const releases = await this.cluster.helm.listAll();
    const notDeployed = this.hubs.filter(
      (h) => releases.find((r) => r.namespace === h && r.name === h)?.status !== "deployed",
    );
    return notDeployed.length === 0
      ? { converged: true, detail: "" }
      : { converged: false, detail: `releases not deployed: ${notDeployed.join(", ")}` };
  }
}

/** Every PersistentVolume and claim seen so far (by uid); reports the ones that disappear. */
export class VolumeWatch {
  private readonly seen = new Map<string, string>();

  constructor(private readonly kube: KubePort) {}

  private async current(): Promise<Map<string, string>> {
    const [pvs, pvcs] = await Promise.all([
      this.kube.list("v1", "PersistentVolume"),
      this.kube.list("v1", "PersistentVolumeClaim"),
    ]);
    const named = (kind: string) => (o: (typeof pvs)[number]) =>
      [
        String((o.metadata as { uid?: string }).uid),
        `${kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`,
      ] as const;
    return new Map([
      ...pvs.map(named("PersistentVolume")),
      ...pvcs.map(named("PersistentVolumeClaim")),
    ]);
  }

  /** Names of volumes and claims seen before and gone now; remembers the new ones. */
  async lost(): Promise<string[]> {
    const now = await this.current();
    const gone = [...this.seen].filter(([uid]) => !now.has(uid)).map(([, name]) => name);
    for (const [uid, name] of now) this.seen.set(uid, name);
    return gone;
  }

  get count(): number {
    return this.seen.size;
  }
}
