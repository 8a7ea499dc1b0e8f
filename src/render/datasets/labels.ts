/** How a data set's objects are labelled, and how its server pods are selected. */
import type { Dataset, FleetModel } from "../../fleet/model.js";
import { COMPONENT_LABEL, DATASET_LABEL } from "../../vocabulary/labels.js";
import { fleetLabels } from "../labels.js";
export const DATASET_SERVER = "dataset-server";

export function datasetServerSelector(dataset: Dataset): Record<string, string> {
  return { [DATASET_LABEL]: dataset.name, [COMPONENT_LABEL]: DATASET_SERVER };
}

/** Fleet-level objects: no hub label, so they belong to the cluster-wide unit. */
export function datasetLabels(fleet: FleetModel, dataset: Dataset): Record<string, string> {
  return { ...fleetLabels(fleet), ...datasetServerSelector(dataset) };
}
