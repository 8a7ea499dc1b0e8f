/**
 * The fingerprint of a hub's desired state: its objects, chart and values. Stored in the
 * cluster after a successful apply, it lets the next apply skip hubs that did not change.
 */
import { createHash } from "node:crypto";
import type { HelmRelease, Manifest } from "../render/bundle.js";
import { canonical } from "../vocabulary/json.js";

/** Bump when the meaning of applied state changes, so every hub is applied again once. */
const STATE_FORMAT = "hubfleet-hub-state/1";

export function hubStateHash(input: {
  manifests: readonly Manifest[];
  release: HelmRelease | undefined;
}): string {
  const data = {
    format: STATE_FORMAT,
    manifests: input.manifests.map((m) => ({ phase: m.phase, object: m.object })),
    release: input.release ? { chart: input.release.chart, values: input.release.values } : null,
  };
  return createHash("sha256")
    .update(JSON.stringify(canonical(data)))
    .digest("hex");
}
