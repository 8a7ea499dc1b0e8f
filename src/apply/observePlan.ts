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
import { type KubePort, refOf } from "../ports/kube.js";
import type { Bundle } from "../render/bundle.js";
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

export async function observeForPlan(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  bundle: Bundle,
  /** As apply's --hub: prune looks only at these hubs (and cluster-wide objects). */
  onlyHubs?: readonly string[],
): Promise<Observed> {
  const { kube, helm } = ports;
  const objects = new Map<string, KubeObject>();
  await mapBounded(bundle.manifests, 16, async (m) => {
    const live = await kube.get(refOf(m.object));
    if (live) objects.set(objectKey(m.object), live);
  });
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
