/**
 * A hub's GPU server as a z2jh profile: `singleuser.profileList` with the standard server (the
 * default) and a GPU server whose KubeSpawner overrides ask for NVIDIA GPUs and place the pod
 * on the GPU node group. Keys are KubeSpawner 7's profile_list keys (display_name, slug,
 * description, default, kubespawner_override) and traits (extra_resource_limits,
 * node_selector, tolerations), which z2jh passes to KubeSpawner unchanged.
 */
import type { Hub } from "../../fleet/model.js";
import { GPU_GROUP } from "../../fleet/schema.js";
import { NODE_GROUP_LABEL, NVIDIA_GPU } from "../../vocabulary/labels.js";
import { GPU_TAINT, USER_TAINT } from "../cluster/nodeGroups.js";

/** What the profile says about the fleet's GPU nodes. */
export interface GpuNodes {
  readonly instanceType: string;
  readonly gpuModel: string;
}

const toleration = (t: { key: string; value: string; effect: string }) => ({
  key: t.key,
  operator: "Equal",
  value: t.value,
  effect: t.effect,
});

export function gpuProfileList(hub: Hub, nodes: GpuNodes): Array<Record<string, unknown>> {
  const gpu = hub.gpu;
  if (!gpu) return [];
  return [
    {
      display_name: "Standard server",
      slug: "standard",
      description: `${hub.resources.cpu.guarantee} CPU, ${hub.resources.memory.guarantee} memory guaranteed`,
      default: true,
    },
    {
      display_name: gpu.displayName ?? `GPU server (${gpu.gpus} × ${nodes.gpuModel})`,
      slug: "gpu",
      ...(gpu.description ? { description: gpu.description } : {}),
      kubespawner_override: {
        // A limit on an extended resource is also its request; the device plugin hands out
        // whole GPUs.
        extra_resource_limits: { [NVIDIA_GPU]: String(gpu.gpus) },
        // Merged into the hub's node selector by KubeSpawner (a dict override is merged).
        node_selector: { [NODE_GROUP_LABEL]: GPU_GROUP },
        // Replaces the list: the GPU nodes' taint, and the user nodes' as z2jh gives it.
        tolerations: [toleration(USER_TAINT), toleration(GPU_TAINT)],
      },
    },
  ];
}
