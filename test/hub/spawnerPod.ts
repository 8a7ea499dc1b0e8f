/**
 * The pod the real KubeSpawner (scripts/hub-build's venv) would create for a user of a hub, from
 * the hub's rendered values through the z2jh stand-in glue (test/hub/profile_pod.py). No cluster.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../helpers.js";
import { hubVenv } from "./realHub.js";

/** KubeSpawner's pod manifest (JSON) for release `hub` with `values`, profile `slug` ("" = none). */
export function kubeSpawnerPod(
  values: Readonly<Record<string, unknown>>,
  hub: string,
  slug = "",
): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-spawner-pod-"));
  const valuesFile = join(dir, "values.json");
  writeFileSync(valuesFile, JSON.stringify(values));
  // KubeSpawner loads a kubeconfig when it is made; building a pod manifest never uses it.
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
  );
  const out = execFileSync(
    join(hubVenv(), "bin", "python"),
    [join(REPO, "test", "hub", "profile_pod.py"), valuesFile, slug],
    {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        KUBECONFIG: kubeconfig,
        // What z2jh_config.py reads besides the values; no process listens on these here.
        HUBFLEET_Z2JH_RELEASE: hub,
        HUBFLEET_HUB_DIR: dir,
        HUBFLEET_HUB_PORT: "1",
        HUBFLEET_HUB_API_PORT: "2",
        HUBFLEET_PROXY_API_PORT: "3",
        HUBFLEET_USER_SERVER_PORT: "4",
        HUBFLEET_HARNESS_TOKEN: "unused",
      },
    },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
}
