// `npm run sim -- <command>`: build the simulated control plane's binaries, or run one by hand.
//   build [args...]   run scripts/sim/build (args are passed on, e.g. --force kwok)
//   up                start a control plane with defaultSimNodes(), print its kubeconfig,
//                     stay up until Ctrl-C
//   bin-dir           print where the binaries are (building them if missing)
import { spawnSync } from "node:child_process";
import { buildScript, simBinDir } from "../../sim/binaries.js";
import { startControlPlane } from "../../sim/controlPlane.js";
import { defaultSimNodes } from "../../sim/nodes.js";

function usage(): never {
  process.stderr.write(
    [
      "usage: npm run sim -- <command>",
      "  build [--force] [component...]  build the binaries into the cache (see scripts/sim/build --help)",
      "  up [--keep]                      start a control plane (one kwok node per node group) until Ctrl-C",
      "  bin-dir                          print the binaries' directory (builds if missing)",
      "",
    ].join("\n"),
  );
  process.exit(2);
}

async function up(args: string[]): Promise<void> {
  const keep = args.includes("--keep");
  const binDir = simBinDir();
  process.stderr.write("starting the simulated control plane...\n");
  const cp = await startControlPlane({
    binDir,
    nodes: defaultSimNodes(),
    keepTempDir: keep,
    log: (m) => process.stderr.write(`  ${m}\n`),
  });
  const nodes = await cp.client.list("/api/v1/nodes");
  const lines = [
    "",
    `Kubernetes ${cp.version} is up at ${cp.server} (ready in ${(cp.startupMs / 1000).toFixed(1)} s)`,
    `nodes: ${nodes.items.map((n) => n.metadata.name).join(", ")}`,
    `logs:  ${cp.logDir}`,
    `tools: ${cp.binDir} (helm, promtool, ...)`,
    `kubeconfig: ${cp.kubeconfigPath}`,
    "",
    `export KUBECONFIG=${cp.kubeconfigPath}`,
    `export PATH=${cp.binDir}:$PATH`,
    "",
    "Press Ctrl-C to stop (everything is removed on exit).",
    "",
  ];
  process.stdout.write(lines.join("\n"));
  // Ctrl-C / SIGTERM: the helper's signal handlers stop the control plane and exit.
  // Keep the event loop alive until then.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () =>
      process.stderr.write(`\n${signal}: stopping the control plane...\n`),
    );
  }
  setInterval(() => {}, 1 << 30);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case "build": {
      const res = spawnSync(buildScript, rest, { stdio: "inherit" });
      process.exit(res.status ?? 1);
      break;
    }
    case "up":
      await up(rest);
      break;
    case "bin-dir":
      process.stdout.write(`${simBinDir()}\n`);
      break;
    default:
      usage();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
