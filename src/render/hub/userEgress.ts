/**
 * Where a hub's user servers may send traffic, as z2jh's singleuser.networkPolicy values: the
 * internet (when the hub allows it), DNS, their hub and proxy (the chart adds those) — never a
 * private address, the cloud metadata server, or another pod.
 *
 * z2jh's `nonPrivateIPs` rule is 0.0.0.0/0 except the RFC 1918 ranges and the metadata server.
 * With custom networking the pods' own range (cluster.podCIDR, typically 100.64.0.0/16, shared
 * address space) is outside those, so that rule would let a user server reach every pod that no
 * ingress policy guards (the cluster tools'). Then hubfleet writes the same rule itself with the
 * pod range excepted too.
 */
import { cidrContains, parseCidr } from "../../vocabulary/addresses.js";

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const CLOUD_METADATA = "169.254.169.254/32";

function insidePrivateRanges(cidr: string): boolean {
  const range = parseCidr(cidr);
  if (!range) throw new Error(`pod range ${cidr} was not validated`);
  return PRIVATE_RANGES.some((p) => {
    const privateRange = parseCidr(p);
    return (
      privateRange !== undefined &&
      cidrContains(privateRange, range.base) &&
      cidrContains(privateRange, range.base + range.size - 1)
    );
  });
}

export function userServerEgress(
  internetAccess: boolean,
  podCIDR: string | undefined,
): Record<string, unknown> {
  const ownRule = internetAccess && podCIDR !== undefined && !insidePrivateRanges(podCIDR);
  return {
    egressAllowRules: {
      cloudMetadataServer: false,
      dnsPortsCloudMetadataServer: true,
      dnsPortsKubeSystemNamespace: true,
      dnsPortsPrivateIPs: true,
      nonPrivateIPs: internetAccess && !ownRule,
      privateIPs: false,
    },
    ...(ownRule
      ? {
          egress: [
            {
              to: [
                {
                  ipBlock: {
                    cidr: "0.0.0.0/0",
                    except: [...PRIVATE_RANGES, podCIDR, CLOUD_METADATA],
                  },
                },
              ],
            },
          ],
        }
      : {}),
  };
}
