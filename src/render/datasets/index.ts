/** Shared data sets: their servers (fleet-level) and what each hub that lists one gets. */
export { datasetClusterIP } from "../../fleet/addresses.js";
export { DATASET_SERVER, datasetServerSelector } from "./labels.js";
export { datasetDataClaim, renderDatasetServers } from "./server.js";
export {
  DATASETS_DIR,
  type DatasetMount,
  datasetMountPath,
  hubDatasetMounts,
  renderHubDatasetVolumes,
} from "./userServers.js";
