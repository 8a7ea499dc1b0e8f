/**
 * What a cluster command loads before its first request: `status`, `plan` and
 * `check` run as a user runs them, with a module hook listing every module the process loads.
 * None may load @kubernetes/client-node (about a second of start-up) or the AWS SDK (only
 * backup-setup uses it). The times themselves are measured by `npm run bench`, not here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "hubfleet-startup-"));
const loaded = join(dir, "loaded.txt");

// A loader hook that writes down each module's URL (node:module register, run before main.ts).
writeFileSync(
  join(dir, "hooks.mjs"),
  `import { appendFileSync } from "node:fs";
export async function load(url, context, nextLoad) {
  appendFileSync(${JSON.stringify(loaded)}, url + "\\n");
  return nextLoad(url, context);
}
`,
);
writeFileSync(
  join(dir, "register.mjs"),
  `import { register } from "node:module";
register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});
`,
);
// A cluster nobody listens on: the command gets as far as its first request.
const kubeconfig = join(dir, "kubeconfig");
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
);

function modulesLoadedBy(args: readonly string[]): { modules: string[]; stderr: string } {
  writeFileSync(loaded, "");
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      join(dir, "register.mjs"),
      join(REPO, "src", "cli", "main.ts"),
      ...args,
    ],
    { cwd: REPO, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 },
  );
  return { modules: readFileSync(loaded, "utf8").split("\n").filter(Boolean), stderr: run.stderr };
}

const fleet = join(REPO, "examples", "fleet.yaml");
const common = ["--kubeconfig", kubeconfig, "--helm", join(dir, "no-helm-here")];

describe("cluster commands load only what they use", () => {
  for (const args of [
    ["status", fleet, ...common],
    ["plan", fleet, ...common],
    ["check", fleet, ...common],
  ]) {
    it(`hubfleet ${args[0]}`, () => {
      const { modules, stderr } = modulesLoadedBy(args);
      // It got as far as connecting (and then failed: nothing listens there).
      assert.match(stderr, /using context x \(https:\/\/127\.0\.0\.1:1\)/);
      const heavy = modules.filter((m) =>
        /node_modules\/(@kubernetes\/client-node|@aws-sdk)\//.test(m),
      );
      assert.deepEqual(heavy.slice(0, 3), [], `${args[0]} loaded ${heavy.length} such modules`);
      assert.ok(modules.some((m) => m.includes("/src/ports/kubeHttp.ts")));
    });
  }
});
