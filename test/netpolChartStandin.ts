/**
 * A named stand-in for the one z2jh chart policy the isolation table needs: the egress half of
 * the chart's `singleuser` NetworkPolicy (chart 4.x, `singleuser/netpol.yaml` with its
 * `renderEgressRules` helper), written here from the values hubfleet renders for the hub
 * (`singleuser.networkPolicy`): the hub's API, the proxy, DNS, the address ranges `egressAllowRules` opens,
 * then the extra `egress` rules. Only the keys hubfleet sets are modelled; the chart itself is
 * not available here (no chart repository is reachable). The chart's ingress half, and its
 * hub, proxy and scheduler policies, are NOT modelled: a verdict that depends on them is
 * reported as undecidable (see netpolVerdicts.ts).
 */
import type { KubeObject } from "../src/vocabulary/objects.js";

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
/** singleuser.cloudMetadata.ip, the chart's default. */
const CLOUD_METADATA = "169.254.169.254/32";

interface SingleuserNetworkPolicy {
  readonly egressAllowRules?: Readonly<Record<string, boolean>>;
  readonly egress?: readonly unknown[];
}

const block = (cidr: string, except?: string[]) => ({
  ipBlock: except && except.length > 0 ? { cidr, except } : { cidr },
});

/** The egress rules the chart renders for user servers, from the hub's values. */
export function chartSingleuserEgress(hub: string, np: SingleuserNetworkPolicy): KubeObject {
  const allow = np.egressAllowRules ?? {};
  const dnsTo = [
    ...(allow.dnsPortsCloudMetadataServer ? [block(CLOUD_METADATA)] : []),
    ...(allow.dnsPortsKubeSystemNamespace
      ? [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }]
      : []),
    ...(allow.dnsPortsPrivateIPs ? PRIVATE_RANGES.map((c) => block(c)) : []),
  ];
  const rules: unknown[] = [
    // user server → its hub's API
    {
      to: [{ podSelector: { matchLabels: { component: "hub", release: hub } } }],
      ports: [{ protocol: "TCP", port: 8081 }],
    },
    // user server → its proxy's HTTP port
    {
      to: [{ podSelector: { matchLabels: { component: "proxy", release: hub } } }],
      ports: [{ protocol: "TCP", port: 8000 }],
    },
    ...(dnsTo.length > 0
      ? [
          {
            to: dnsTo,
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ]
      : []),
  ];
  if (allow.nonPrivateIPs) {
    const except = [
      ...(allow.privateIPs ? [] : PRIVATE_RANGES),
      ...(allow.cloudMetadataServer ? [] : [CLOUD_METADATA]),
    ];
    rules.push({ to: [block("0.0.0.0/0", except)] });
  }
  if (allow.privateIPs && !allow.nonPrivateIPs) {
    rules.push({ to: PRIVATE_RANGES.map((c) => block(c)) });
  }
  if (allow.cloudMetadataServer && !allow.nonPrivateIPs) {
    rules.push({ to: [block(CLOUD_METADATA)] });
  }
  rules.push(...(np.egress ?? []));
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "singleuser-egress-standin", namespace: hub },
    spec: {
      podSelector: { matchLabels: { component: "singleuser-server", release: hub } },
      policyTypes: ["Egress"],
      egress: rules,
    },
  };
}
