// Simulated Kubernetes control plane for tests (see docs/sim.md).
export { buildScript, SIM_BINARIES, type SimBinary, simBinary, simBinDir } from "./binaries.js";
export {
  type ControlPlane,
  type ControlPlaneOptions,
  KWOK_STAGES_FILE,
  type RunResult,
  SIM_STORAGE_CLASS,
  type SimScheduler,
  type StartSchedulerOptions,
  startControlPlane,
} from "./controlPlane.js";
export {
  type KarpenterOptions,
  type KwokInstanceType,
  kwokInstanceType,
  type RunningKarpenter,
  startKarpenter,
} from "./karpenter.js";
export {
  KubeClient,
  KubeError,
  type KubeList,
  type KubeObject,
  nodeIsReady,
  podIsRunningAndReady,
  waitFor,
} from "./kube.js";
export {
  defaultSimNodes,
  type SimNode,
  type SimTaint,
  simNodeManifest,
  simNodesForFleet,
} from "./nodes.js";
export { stopAllControlPlanes } from "./processes.js";
export { TEST_PROVISIONER_NAME } from "./testProvisioner.js";
