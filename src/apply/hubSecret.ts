/**
 * `secret set`: writes a Secret a hub references (an OAuth client secret, a TLS certificate)
 * into the hub's namespace, or one a cluster tool references (the alert receivers'
 * credentials) into cluster-tools, key by key, so the operator never needs the values in a file
 * hubfleet reads. The values never leave this module.
 */
import type { FleetModel } from "../fleet/model.js";
import type { KubePort } from "../ports/kube.js";
import { hubLabels } from "../render/labels.js";
import { toolLabels } from "../render/tools/tool.js";
import { COMPONENT_LABEL, ROLE_LABEL } from "../vocabulary/labels.js";
import { TOOLS_NAMESPACE } from "../vocabulary/namespaces.js";

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
  request: {
    hub: string;
    name: string;
    values: Readonly<Record<string, string>>;
    /** A cluster tool's Secret (in cluster-tools) rather than a hub's: the tool's release. */
    tool?: string;
  },
): Promise<SecretSetResult> {
  const { hub, name, values, tool } = request;
  const namespace = tool ? TOOLS_NAMESPACE : hub;
  const ref = { apiVersion: "v1", kind: "Secret", namespace, name };
  if (!(await kube.get({ apiVersion: "v1", kind: "Namespace", name: namespace }))) {
    await kube.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
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
        namespace,
        labels: {
          ...(tool
            ? { ...toolLabels(fleet, tool), [COMPONENT_LABEL]: "secrets" }
            : hubLabels(fleet, hub, "secrets")),
          [ROLE_LABEL]: "provided",
        },
      },
      ...(existing ? {} : { type: tls ? "kubernetes.io/tls" : "Opaque" }),
      data: Object.fromEntries(
        keys.map((k) => [k, Buffer.from(values[k] ?? "", "utf8").toString("base64")]),
      ),
    },
    { fieldManager: SECRET_MANAGER },
  );
  return { namespace, name, created: !existing, keys };
}
