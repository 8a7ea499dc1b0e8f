/**
 * Verdicts for EKS: a connection judged with each pod at an address of its own, inside or
 * outside the node range, as the VPC CNI gives them — which the analyzer alone cannot do, since
 * it never matches a pod against an ipBlock.
 *
 * A connection passes when the source's egress admits the destination and the destination's
 * ingress admits the source; each side admits a pod by selector or by its address in an
 * ipBlock (enforcers such as the VPC CNI's policy agent compare addresses). So each side is
 * asked of the analyzer on its own, over a scene holding only that side's policies:
 * by selector with `eval`, by address with the connectivity list. The verdict says which side
 * decided it. Where a side is not in the scene (the z2jh chart's own egress policies for its hub
 * and proxy, which are not available here), a connection the modelled side admits is
 * undecidable, and said so, never passed.
 */

import type { FleetModel } from "../src/fleet/model.js";
import { formatIPv4, parseCidr } from "../src/vocabulary/addresses.js";
import { type NetpolScene, type PodRef, refString } from "./netpolAnalyzer.js";

/** Where pods get their addresses. */
export interface AddressModel {
  readonly key: "custom" | "default";
  readonly title: string;
  /** The range pod addresses are drawn from. */
  podRange(fleet: FleetModel): string;
}

/** The podCIDR a fleet names, or the usual secondary range of EKS custom networking. */
const CUSTOM_POD_RANGE = "100.64.0.0/16";

export const ADDRESS_MODELS: readonly AddressModel[] = [
  {
    key: "custom",
    title: "custom networking: pods outside nodeCIDR",
    podRange: (fleet) => fleet.cluster.podCIDR ?? CUSTOM_POD_RANGE,
  },
  {
    key: "default",
    title: "VPC CNI default: pods inside nodeCIDR",
    podRange: (fleet) => fleet.cluster.nodeCIDR,
  },
];

export type Source =
  | {
      readonly kind: "pod";
      readonly pod: PodRef;
      /** False for chart pods whose own egress policy is not in the scene (hub, proxy). */
      readonly egressInScene: boolean;
      /** Whose policy the scene's egress rule for this pod is, when not hubfleet's. */
      readonly egressFrom?: string;
    }
  | { readonly kind: "node" };

export type Verdict =
  | { readonly kind: "allowed" | "denied"; readonly by: string }
  | { readonly kind: "undecidable"; readonly why: string };

/** The scenes one fleet is judged in. */
export interface HalfScenes {
  readonly ingress: NetpolScene;
  readonly egress: NetpolScene;
  /** No policies at all: the control. */
  readonly bare: NetpolScene;
}

/**
 * Addresses for every pod of the scene, in the model's range (from its 100th address, past the
 * node address used below), and one node address: the range's 10th.
 */
export function addressBook(scene: NetpolScene, range: string, nodeCIDR: string) {
  const cidr = parseCidr(range);
  const nodes = parseCidr(nodeCIDR);
  if (!cidr || !nodes) throw new Error(`bad range ${range} or ${nodeCIDR}`);
  const pods = scene.objects
    .filter((o) => o.kind === "Pod")
    .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
    .sort();
  if (pods.length + 100 >= cidr.size) throw new Error(`${range} is too small for the scene`);
  const byPod = new Map(pods.map((p, i) => [p, formatIPv4(cidr.base + 100 + i)]));
  return {
    node: formatIPv4(nodes.base + 10),
    of: (pod: PodRef): string => {
      const ip = byPod.get(refString(pod));
      if (!ip) throw new Error(`no pod ${refString(pod)} in the scene`);
      return ip;
    },
  };
}

export function judge(
  scenes: HalfScenes,
  book: ReturnType<typeof addressBook>,
  src: Source,
  dst: PodRef,
  port: number,
): Verdict {
  if (src.kind === "node") {
    // Host network: no policy selects the node; only the destination's ingress counts.
    const ok = scenes.ingress.evalFromIP({ srcIP: book.node, dst, port });
    return { kind: ok ? "allowed" : "denied", by: "destination ingress (node address)" };
  }
  const q = { src: src.pod, dst, port };
  const inSel = scenes.ingress.evalConnection(q);
  const inIP = scenes.ingress.evalFromIP({ srcIP: book.of(src.pod), dst, port });
  if (!inSel && !inIP) return { kind: "denied", by: "destination ingress" };
  const egSel = scenes.egress.evalConnection(q);
  const egIP = scenes.egress.evalToIP({ src: src.pod, dstIP: book.of(dst), port });
  if (!egSel && !egIP) {
    return { kind: "denied", by: `source egress${src.egressFrom ? `: ${src.egressFrom}` : ""}` };
  }
  const how = inSel ? "as a pod (its labels, or no ingress policy)" : "by its address (ipBlock)";
  if (!src.egressInScene) {
    return {
      kind: "undecidable",
      why: `the destination admits it ${how}; the source's own egress policy (the z2jh chart's) is not in the scene`,
    };
  }
  return { kind: "allowed", by: `destination admits it ${how}` };
}

/** The control: the same connection in a cluster without any NetworkPolicy. */
export function control(
  scenes: HalfScenes,
  book: ReturnType<typeof addressBook>,
  src: Source,
  dst: PodRef,
  port: number,
): boolean {
  return src.kind === "node"
    ? scenes.bare.evalFromIP({ srcIP: book.node, dst, port })
    : scenes.bare.evalConnection({ src: src.pod, dst, port });
}

export const verdictText = (v: Verdict): string =>
  v.kind === "undecidable" ? `UNDECIDABLE (${v.why})` : `${v.kind} (${v.by})`;
