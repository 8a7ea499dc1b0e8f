/**
 * A helm that keeps a log: a shell script standing where HUBFLEET_HELM points, which runs the
 * real helm and appends one line per call (subcommand and milliseconds), so the bench can say
 * how many helm calls a command made and how long they took.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface HelmCalls {
  readonly calls: number;
  readonly ms: number;
  /** Per subcommand ("upgrade", "list", ...): calls and summed time. */
  readonly bySubcommand: readonly { sub: string; calls: number; ms: number }[];
}

export interface HelmLog {
  /** The script to run instead of helm. */
  readonly binary: string;
  /** Calls logged since the last take() (and forgets them). */
  take(): HelmCalls;
}

export function helmLog(dir: string, realHelm: string): HelmLog {
  const log = join(dir, "helm-calls.log");
  const binary = join(dir, "helm-logged");
  // date +%s%N is GNU date (the bench runs on Linux); stdin passes through for `-f -`.
  writeFileSync(
    binary,
    `#!/bin/sh
start=$(date +%s%N)
${JSON.stringify(realHelm)} "$@"
rc=$?
end=$(date +%s%N)
echo "$1 $(( (end - start) / 1000000 ))" >> ${JSON.stringify(log)}
exit $rc
`,
  );
  chmodSync(binary, 0o755);
  let seen = 0;
  return {
    binary,
    take() {
      const lines = existsSync(log)
        ? readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => l !== "")
        : [];
      const fresh = lines.slice(seen);
      seen = lines.length;
      const by = new Map<string, { calls: number; ms: number }>();
      for (const line of fresh) {
        const [sub = "?", ms = "0"] = line.split(" ");
        const e = by.get(sub) ?? { calls: 0, ms: 0 };
        by.set(sub, { calls: e.calls + 1, ms: e.ms + Number(ms) });
      }
      return {
        calls: fresh.length,
        ms: [...by.values()].reduce((s, e) => s + e.ms, 0),
        bySubcommand: [...by].map(([sub, e]) => ({ sub, ...e })).sort((a, b) => b.ms - a.ms),
      };
    },
  };
}

export function formatHelm(h: HelmCalls): string {
  if (h.calls === 0) return "no helm calls";
  return `${h.calls} helm calls, ${(h.ms / 1000).toFixed(1)} s (${h.bySubcommand
    .map((s) => `${s.sub} ${s.calls} x ${(s.ms / s.calls).toFixed(0)} ms`)
    .join(", ")})`;
}
