/**
 * `secret set`: writes a Secret a hub references (an OAuth client secret, a TLS certificate)
 * into the hub's namespace, key by key, so the operator never needs the values in a file
 * hubfleet reads. The values never leave this module.
 */
import type { FleetModel } from "../fleet/model.js";
import type { KubePort } from "../ports/kube.js";
import { hubLabels } from "../render/labels.js";
import { ROLE_LABEL } from "../vocabulary/labels.js";

/** Field manager of these writes: apply never touches the fields it sets. */
const SECRET_MANAGER = "hubfleet-secret-set";

export interface SecretSetResult {
  readonly namespace: string;
  readonly name: string;
  readonly created: boolean;
  readonly keys: readonly string[];
}

/**
 * Creates the Secret (and the hub's namespace, if apply has not made it yet) or sets the given
 * keys in the existing one, leaving its other keys alone. Labelled as the hub's, with a role
 * label so that prune leaves it to the operator.
 */
export async function setHubSecret(
  kube: KubePort,
  fleet: FleetModel,
  request: { hub: string; name: string; values: Readonly<Record<string, string>> },
): Promise<SecretSetResult> {
  const { hub, name, values } = request;
  const ref = { apiVersion: "v1", kind: "Secret", namespace: hub, name };
  if (!(await kube.get({ apiVersion: "v1", kind: "Namespace", name: hub }))) {
    await kube.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: hub } },
      { fieldManager: SECRET_MANAGER },
    );
  }
  const existing = await kube.get(ref);
  const keys = Object.keys(values).sort();
  // A new Secret holding a certificate and its key is made a TLS Secret, as kubectl's would be.
  const tls = keys.includes("tls.crt") && keys.includes("tls.key");
  await kube.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name,
        namespace: hub,
        labels: { ...hubLabels(fleet, hub, "secrets"), [ROLE_LABEL]: "provided" },
      },
      ...(existing ? {} : { type: tls ? "kubernetes.io/tls" : "Opaque" }),
      data: Object.fromEntries(
        keys.map((k) => [k, Buffer.from(values[k] ?? "", "utf8").toString("base64")]),
      ),
    },
    { fieldManager: SECRET_MANAGER },
  );
  return { namespace: hub, name, created: !existing, keys };
}
