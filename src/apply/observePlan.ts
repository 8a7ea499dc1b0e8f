/**
 * Gathers what `plan` compares against: live objects, releases and their values, prune
 * candidates, and the provided Secrets that are missing.
 */
import type { FleetModel } from "../fleet/model.js";
import type { Observed } from "../plan/plan.js";
import { objectKey } from "../plan/units.js";
import type { HelmPort } from "../ports/helm.js";
import {
  type HelmReleaseInfo,
  releaseSecretName,
  releaseValuesFromSecret,
} from "../ports/helmParse.js";
import { ClusterError, type KubePort, refOf } from "../ports/kube.js";
import type { Bundle } from "../render/bundle.js";
import { FLEET_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { Inventory } from "./inventory.js";
import { observePrune } from "./observe.js";
import { mapBounded } from "./retry.js";
import { readExternalSecretProblem } from "./secrets.js";

/**
 * A release's values as `helm get values` prints them: read from the revision's Secret (one API
 * call), or from helm when the Secret is not there (another storage driver).
 */
async function releaseValues(
  { kube, helm }: { kube: KubePort; helm: HelmPort },
  info: HelmReleaseInfo,
): Promise<Record<string, unknown>> {
  const secret = await kube.get({
    apiVersion: "v1",
    kind: "Secret",
    namespace: info.namespace,
    name: releaseSecretName(info.name, info.revision),
  });
  return (
    (secret && releaseValuesFromSecret(secret)) ?? (await helm.getValues(info.name, info.namespace))
  );
}

/**
 * The live copies of the bundle's objects: one listing per kind by the fleet label (a
 * 1,000-hub fleet has about 12,000 objects; reading them one by one made plan take minutes), then
 * a read of each object the listings did not hold (not there yet, or not labelled yet: made by
 * someone else, adopted on apply).
 */
async function liveObjects(
  kube: KubePort,
  fleet: FleetModel,
  bundle: Bundle,
): Promise<Map<string, KubeObject>> {
  const wanted = new Map(bundle.manifests.map((m) => [objectKey(m.object), m.object]));
  const kinds = new Map(
    bundle.manifests.map((m) => [`${m.object.apiVersion} ${m.object.kind}`, m.object]),
  );
  const objects = new Map<string, KubeObject>();
  await mapBounded([...kinds.values()], 4, async ({ apiVersion, kind }) => {
    let items: KubeObject[] = [];
    try {
      items = await kube.list(apiVersion, kind, { labelSelector: `${FLEET_LABEL}=${fleet.name}` });
    } catch (err) {
      // A kind the cluster does not serve (yet): none of its objects exist.
      if (!(err instanceof ClusterError && err.notFound)) throw err;
    }
    for (const item of items) {
      const key = objectKey(item);
      if (wanted.has(key)) objects.set(key, item);
    }
  });
  const unlisted = [...wanted].filter(([key]) => !objects.has(key));
  await mapBounded(unlisted, 16, async ([key, object]) => {
    const live = await kube.get(refOf(object));
    if (live) objects.set(key, live);
  });
  return objects;
}

export async function observeForPlan(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  bundle: Bundle,
  /** As apply's --hub: prune looks only at these hubs (and cluster-wide objects). */
  onlyHubs?: readonly string[],
): Promise<Observed> {
  const { kube, helm } = ports;
  const objects = await liveObjects(kube, fleet, bundle);
  const all = await helm.listAll();
  const releases = new Map<
    string,
    { info: (typeof all)[number]; values: Record<string, unknown> }
  >();
  const byKey = new Map(all.map((x) => [`${x.namespace}/${x.name}`, x]));
  await mapBounded(bundle.releases, 16, async (r) => {
    const info = byKey.get(`${r.namespace}/${r.name}`);
    if (info)
      releases.set(`${r.namespace}/${r.name}`, {
        info,
        values: await releaseValues(ports, info),
      });
  });
  const inventory = await Inventory.read(kube, fleet.name);
  const prune = await observePrune(
    kube,
    fleet,
    bundle,
    inventory,
    all,
    onlyHubs ? new Set(onlyHubs) : undefined,
  );
  const missingSecrets = (
    await mapBounded(
      bundle.secrets.filter((s) => s.type === "external"),
      16,
      async (request) => {
        const problem = await readExternalSecretProblem(kube, request);
        const unit = request.tool ? `tools/${request.tool}` : (request.hub ?? request.namespace);
        return problem ? [{ unit, message: problem }] : [];
      },
    )
  ).flat();
  return { objects, releases, prune, missingSecrets };
}
