/**
 * The Secrets an operator creates before applying a fleet (its hubs' OAuth client secret and
 * TLS Secret, as `kubectl create secret` would): the tests play the operator. Values are
 * test-only placeholders.
 */
import type { FleetModel } from "../src/fleet/model.js";
import type { KubePort } from "../src/ports/kube.js";
import { referencedSecrets } from "../src/render/hub/index.js";

/** Field manager of these writes: someone else than hubfleet, as kubectl would be. */
const OPERATOR = "test-operator";

const placeholder = (key: string) =>
  Buffer.from(key.startsWith("tls.") ? `test ${key}` : "test-client-secret").toString("base64");

/** Creates each hub's namespace (if missing) and the Secrets its configuration references. */
export async function provideHubSecrets(
  kube: KubePort,
  fleet: FleetModel,
  hubs: readonly string[] = fleet.hubs.map((h) => h.name),
): Promise<void> {
  for (const hub of fleet.hubs.filter((h) => hubs.includes(h.name))) {
    await kube.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: hub.name } },
      { fieldManager: OPERATOR },
    );
    for (const secret of referencedSecrets(fleet, hub)) {
      await kube.apply(
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: secret.name, namespace: secret.namespace },
          type: secret.keys.includes("tls.crt") ? "kubernetes.io/tls" : "Opaque",
          data: Object.fromEntries(secret.keys.map((k) => [k, placeholder(k)])),
        },
        { fieldManager: OPERATOR },
      );
    }
  }
}
