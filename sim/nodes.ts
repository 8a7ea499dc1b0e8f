// Simulated (kwok-managed) nodes, derived from the fleet renderer's node groups.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseFleet } from "../src/fleet/load.js";
import type { FleetModel } from "../src/fleet/model.js";
import { nodeGroupNodes } from "../src/render/cluster/nodeGroups.js";

export interface SimTaint {
  key: string;
  value?: string;
  effect: string;
}

export interface SimNode {
  name: string;
  labels: Record<string, string>;
  taints: SimTaint[];
  allocatable: { cpu: string; memory: string; pods: string };
}

/** The annotation kwok is started to select (`--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const KWOK_NODE_ANNOTATION_VALUE = "fake";

/**
 * One node per node group of the bundled example fleet, with exactly the labels, taints and
 * allocatable resources the fleet renderer gives them (nothing about node groups is repeated
 * here).
 */
export function defaultSimNodes(): SimNode[] {
  const text = readFileSync(
    fileURLToPath(new URL("../examples/fleet.yaml", import.meta.url)),
    "utf8",
  );
  const result = parseFleet(text, "examples/fleet.yaml");
  if (!result.fleet) throw new Error("the bundled example fleet does not validate");
  return simNodesForFleet(result.fleet);
}

/** The fleet's node groups as simulated nodes (`perGroup` nodes of each, default 1). */
export function simNodesForFleet(
  fleet: FleetModel,
  perGroup: Partial<Record<string, number>> = {},
): SimNode[] {
  return nodeGroupNodes(fleet).flatMap((group) =>
    Array.from({ length: perGroup[group.name] ?? 1 }, (_, i) => ({
      name: `${group.name}-${i}`,
      labels: { ...group.labels, "node.kubernetes.io/instance-type": group.group.instanceType },
      taints: group.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      allocatable: { ...group.allocatable },
    })),
  );
}

/**
 * The Node object for a SimNode. Status (allocatable/capacity/addresses/nodeInfo) is sent
 * with the create, as a kubelet does when it registers; kwok's node-initialize stage keeps
 * it and sets the conditions.
 */
export function simNodeManifest(node: SimNode, index: number, kubeletVersion: string): unknown {
  const ip = `10.255.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      labels: {
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
        ...node.labels,
      },
      annotations: {
        [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE,
        "node.alpha.kubernetes.io/ttl": "0",
      },
    },
    spec: {
      taints: node.taints.map((t) => ({
        key: t.key,
        ...(t.value !== undefined ? { value: t.value } : {}),
        effect: t.effect,
      })),
    },
    status: {
      allocatable: { ...node.allocatable },
      capacity: { ...node.allocatable },
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: node.name },
      ],
      nodeInfo: {
        architecture: "amd64",
        operatingSystem: "linux",
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: "kwok://simulated",
        kernelVersion: "simulated",
        osImage: "kwok simulated node",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
}
