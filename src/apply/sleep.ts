/**
 * A sleeping hub's last step, and a waking hub's first check: the z2jh chart hard-codes one
 * replica of hub and proxy, so after the release's upgrade apply scales both to 0 through the
 * scale subresource and stops the user servers the hub left (their files are on the drive);
 * on waking, the upgrade to the awake values brings the chart's replica back, and apply makes
 * sure of it. Claims are never touched.
 */

import type { HubApplyContext } from "./hubApply.js";
import { retry } from "./retry.js";

/** The chart's Deployments that run a hub (fullnameOverride "": named by component). */
export const HUB_DEPLOYMENTS = ["hub", "proxy"] as const;
/** The replicas the chart runs of each. */
const CHART_REPLICAS = 1;

const deployment = (namespace: string, name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace,
});

/** Scales hub and proxy to 0 and deletes the hub's user server pods. */
export async function putToSleep(ctx: HubApplyContext, namespace: string): Promise<void> {
  for (const name of HUB_DEPLOYMENTS) {
    await ctx.lock.assertHeld();
    await retry(() => ctx.kube.scale(deployment(namespace, name), 0));
  }
  const servers = await retry(() =>
    ctx.kube.list("v1", "Pod", { namespace, labelSelector: "component=singleuser-server" }),
  );
  for (const pod of servers) {
    await ctx.lock.assertHeld();
    await retry(() =>
      ctx.kube.delete({ apiVersion: "v1", kind: "Pod", name: pod.metadata.name, namespace }),
    );
  }
}

/**
 * After a waking hub's upgrade: hub and proxy back at the chart's replica, should the upgrade
 * have left a Deployment at the 0 apply set while it slept.
 */
export async function wakeUp(ctx: HubApplyContext, namespace: string): Promise<void> {
  for (const name of HUB_DEPLOYMENTS) {
    const live = await retry(() => ctx.kube.get(deployment(namespace, name)));
    const replicas = (live?.spec as { replicas?: number } | undefined)?.replicas;
    if (live && replicas === 0) {
      await ctx.lock.assertHeld();
      await retry(() => ctx.kube.scale(deployment(namespace, name), CHART_REPLICAS));
    }
  }
}
