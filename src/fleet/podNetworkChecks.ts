/**
 * The pods' own address range on EKS (VPC CNI custom networking): it must really be the pods'
 * own — outside the node range (which the NFS servers admit) and the service range — and every
 * zone needs a subnet for its pods.
 */
import { type Cidr, formatIPv4, parseCidr } from "../vocabulary/addresses.js";
import { error, warning } from "./findings.js";
import type { FleetModel } from "./model.js";
import type { Finding } from "./problems.js";

const overlaps = (a: Cidr, b: Cidr): boolean =>
  a.base < b.base + b.size && b.base < a.base + a.size;

const POD_CIDR = ["cluster", "podCIDR"];
const POD_SUBNETS = ["cluster", "podSubnets"];

export function checkPodNetwork(fleet: FleetModel): Finding[] {
  const { provider, podCIDR, podSubnets } = fleet.cluster;
  if (provider !== "eks") {
    // A warning, not an error: the same fleet file may be tried on a local cluster first.
    return podCIDR === undefined && podSubnets === undefined
      ? []
      : [
          warning(
            podCIDR === undefined ? POD_SUBNETS : POD_CIDR,
            "is an EKS setting (VPC CNI custom networking) and is ignored on a local cluster, whose pods have a range of their own",
          ),
        ];
  }
  if (podCIDR === undefined) {
    if (podSubnets !== undefined) {
      return [error(POD_SUBNETS, "is set without cluster.podCIDR", "set cluster.podCIDR too")];
    }
    return [
      warning(
        POD_CIDR,
        "is not set: with the VPC CNI's default networking pods take addresses from the node range, which the drives and data set servers admit NFS from — any pod without an egress rule (user servers have one) can reach them",
        'give pods their own range: cluster.podCIDR and cluster.podSubnets (docs/design.md, "Network isolation")',
      ),
    ];
  }
  return [...checkPodCidr(fleet, podCIDR), ...checkPodSubnets(fleet, podSubnets)];
}

function checkPodCidr(fleet: FleetModel, text: string): Finding[] {
  const pods = parseCidr(text);
  if (!pods) return [error(POD_CIDR, "is not a valid IPv4 CIDR", "use e.g. 100.64.0.0/16")];
  if (pods.prefix < 16 || pods.prefix > 28) {
    return [
      error(
        POD_CIDR,
        `prefix /${pods.prefix} is outside /16../28 (the sizes AWS allows for a VPC CIDR block)`,
        "use e.g. 100.64.0.0/16",
      ),
    ];
  }
  if (pods.base % pods.size !== 0) {
    return [
      error(
        POD_CIDR,
        "has host bits set",
        `use the network address, ${formatIPv4(pods.base - (pods.base % pods.size))}/${pods.prefix}`,
      ),
    ];
  }
  const findings: Finding[] = [];
  const ranges: Array<[string, string, string]> = [
    [
      "nodeCIDR",
      fleet.cluster.nodeCIDR,
      "the NFS servers admit the node range, so pods there could reach them",
    ],
    [
      "serviceCIDR",
      fleet.cluster.serviceCIDR,
      "Service addresses and pod addresses must never meet",
    ],
  ];
  for (const [field, value, why] of ranges) {
    const other = parseCidr(value);
    if (other && overlaps(pods, other)) {
      findings.push(
        error(
          POD_CIDR,
          `${text} overlaps cluster.${field} ${value}: ${why}`,
          "pick a range outside both, e.g. 100.64.0.0/16",
        ),
      );
    }
  }
  return findings;
}

function checkPodSubnets(
  fleet: FleetModel,
  subnets: Readonly<Record<string, string>> | undefined,
): Finding[] {
  const zones = fleet.cluster.availabilityZones;
  if (subnets === undefined) {
    return [
      error(
        POD_SUBNETS,
        "is missing: custom networking (cluster.podCIDR) needs a pod subnet in every zone",
        `name one subnet inside cluster.podCIDR for each of ${zones.join(", ")}`,
      ),
    ];
  }
  const findings: Finding[] = [];
  for (const zone of Object.keys(subnets)) {
    if (!zones.includes(zone)) {
      findings.push(
        error(
          [...POD_SUBNETS, zone],
          `"${zone}" is not one of the cluster's zones (${zones.join(", ")})`,
          "key each subnet by a zone of cluster.availabilityZones",
        ),
      );
    }
  }
  const missing = zones.filter((zone) => subnets[zone] === undefined);
  if (missing.length > 0) {
    findings.push(
      error(
        POD_SUBNETS,
        `has no subnet for ${missing.join(", ")}: pods on nodes there would get no address`,
        "add a subnet inside cluster.podCIDR for each zone",
      ),
    );
  }
  const owner = new Map<string, string>();
  for (const [zone, id] of Object.entries(subnets)) {
    const first = owner.get(id);
    if (first !== undefined) {
      findings.push(
        error(
          [...POD_SUBNETS, zone],
          `${id} is already the subnet of ${first}: a subnet lies in one zone`,
          "give each zone its own subnet",
        ),
      );
    } else owner.set(id, zone);
  }
  return findings;
}
