/**
 * Everything one hub needs: its namespace, drive, the volumes of the data sets it lists,
 * policies (applied by hubfleet itself), the z2jh release with its values, and the Secrets
 * apply must create for it.
 */
import type { FleetModel, Hub } from "../../fleet/model.js";
import { describeSleep, type TermState } from "../../fleet/terms.js";
import { z2jhChart } from "../../vocabulary/charts.js";
import { renderAsleepRoute } from "../asleep/routes.js";
import type { HelmRelease, Manifest, SecretRequest } from "../bundle.js";
import { hubDatasetMounts, renderHubDatasetVolumes } from "../datasets/index.js";
import { renderDrive } from "./drive.js";
import { renderNamespace } from "./namespace.js";
import { renderNetworkPolicies } from "./network.js";
import { FILE_TLS_SECRET, hubRoute, tlsMode } from "./routing.js";
import {
  HUB_SECRET,
  HUB_SECRET_VALUES,
  hubSecretValues,
  hubValuesOptions,
  renderHubValues,
} from "./values.js";

export interface RenderedHub {
  readonly manifests: readonly Manifest[];
  readonly release: HelmRelease;
  readonly secrets: readonly SecretRequest[];
  /** Set when the hub is asleep (outside its term): "asleep until 2027-01-17 (…)". */
  readonly asleep?: string;
}

/**
 * One hub. `asleep` (its term state when outside its term) renders it sleeping: placeholders 0,
 * the chart's Ingress off, the drive server at 0 replicas, and its URL routed to the asleep page.
 */
export function renderHub(fleet: FleetModel, hub: Hub, asleep?: TermState): RenderedHub {
  const route = hubRoute(fleet, hub);
  const secrets: SecretRequest[] = [
    {
      namespace: hub.name,
      name: HUB_SECRET,
      type: "generated",
      keys: HUB_SECRET_VALUES.map((v) => v.key),
      hub: hub.name,
    },
  ];
  secrets.push(...referencedSecrets(fleet, hub));
  if (tlsMode(fleet) === "files") {
    secrets.push({
      namespace: hub.name,
      name: FILE_TLS_SECRET,
      type: "tls-from-files",
      keys: ["tls.crt", "tls.key"],
      hub: hub.name,
    });
  }
  return {
    manifests: [
      renderNamespace(fleet, hub),
      ...renderDrive(fleet, hub, { asleep: asleep !== undefined }),
      ...renderHubDatasetVolumes(fleet, hub),
      ...renderNetworkPolicies(fleet, hub),
      ...(asleep
        ? renderAsleepRoute(fleet, hub).map(
            (object): Manifest => ({ phase: "network", hub: hub.name, object }),
          )
        : []),
    ],
    release: {
      name: hub.name,
      namespace: hub.name,
      chart: z2jhChart(hub.chart.version),
      values: renderHubValues(hub, route, {
        ...hubValuesOptions(fleet),
        datasets: hubDatasetMounts(fleet, hub),
        ...(asleep ? { asleep: true } : {}),
      }),
      secretValues: hubSecretValues(fleet),
      hub: hub.name,
    },
    secrets,
    ...(asleep ? { asleep: describeSleep(asleep) } : {}),
  };
}

/**
 * The Secrets a hub's configuration names but the operator creates (hubfleet never holds their
 * values): the authenticator's client secret, and the TLS Secret given by domain.tls.secretName,
 * which the hub's Ingress reads from its own namespace. Apply checks them before the release.
 */
export function referencedSecrets(fleet: FleetModel, hub: Hub): SecretRequest[] {
  const out: SecretRequest[] = [];
  const auth = hub.authenticator;
  const clientSecret = auth && "clientSecret" in auth ? auth.clientSecret : undefined;
  if (clientSecret) {
    const { secretName, key } = clientSecret;
    out.push({
      namespace: hub.name,
      name: secretName,
      type: "external",
      keys: [key],
      hub: hub.name,
      hint: `create it with: kubectl -n ${hub.name} create secret generic ${secretName} --from-literal=${key}=YOUR-CLIENT-SECRET (or: hubfleet secret set ${hub.name} ${secretName} -f FLEET-FILE --from-literal ${key}=YOUR-CLIENT-SECRET, which also adds a key to an existing Secret)`,
    });
  }
  const tlsSecret = fleet.domain.tls?.secretName;
  if (tlsMode(fleet) === "secret" && tlsSecret) {
    out.push({
      namespace: hub.name,
      name: tlsSecret,
      type: "external",
      keys: ["tls.crt", "tls.key"],
      hub: hub.name,
      hint: `the hub's Ingress reads it from the hub's namespace; create it with: kubectl -n ${hub.name} create secret tls ${tlsSecret} --cert=CERT.pem --key=KEY.pem (or set domain.tls.certFile and keyFile and hubfleet creates it)`,
    });
  }
  return out;
}
