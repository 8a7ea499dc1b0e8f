/**
 * hubfleet as a library: the same steps the CLI runs (load, render, plan, apply, status,
 * check), each a function that takes its ports and returns data; importing it does nothing.
 */
// biome-ignore-all assist/source/organizeImports: grouped by step, each export with its doc comment
import { observeForPlan } from "./apply/observePlan.js";
import type { FleetModel } from "./fleet/model.js";
import { buildPlan, type Plan } from "./plan/plan.js";
import type { HelmPort } from "./ports/helm.js";
import type { KubePort } from "./ports/kube.js";
import type { Bundle } from "./render/bundle.js";
export type { BundleFile, KubeObject } from "./vocabulary/objects.js";

/** Parses and validates fleet-file text: the fleet when valid, and every problem with its position. */
export { parseFleet } from "./fleet/load.js";
/** Reads and validates a fleet file and the files it names (TLS certificate and key); never throws for bad input. */
export { loadFleetFile as loadFleet } from "./fleet/load.js";
/** The JSON Schema of the fleet file (what schema/fleet.schema.json holds). */
export { fleetJsonSchema } from "./fleet/jsonSchema.js";
/** One problem as the CLI prints it: `file:line:col: error: field.path: message`. */
export { formatProblem } from "./fleet/problems.js";

/** Renders a valid fleet into everything hubfleet applies, as data: cluster configs, manifests, releases, Secrets to create; `{ now }` renders the hubs outside their term asleep. */
export { renderFleetWithWarmUp } from "./capacity/warmup.js";
/** Whether a hub is awake or asleep (outside its term) at an instant, and until when. */
export { asleepHubs, hubTermState } from "./fleet/terms.js";
export { renderFleet } from "./render/index.js";
/** The render output's files (paths and text) made from a rendered bundle (what `hubfleet render` writes). */
export { bundleFiles } from "./render/files.js";
/** Writes bundleFiles' files into a folder, all or nothing (what `hubfleet render` does). */
export { writeBundle } from "./ports/fs.js";

/** Compares a rendered bundle with what was observed on the cluster (pure); planHasChanges says whether apply would change anything. */
export { buildPlan, planHasChanges } from "./plan/plan.js";
/** Reads from the cluster what a plan compares against. */
export { observeForPlan } from "./apply/observePlan.js";

/** What `hubfleet plan` shows: what apply would change, per hub and tool, and what it would prune. */
export async function planFleet(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  bundle: Bundle,
): Promise<Plan> {
  return buildPlan(bundle, await observeForPlan(ports, fleet, bundle));
}

/** Makes the cluster match the rendered bundle: tools, then hubs, locked, skipping unchanged hubs, never deleting data. */
export { applyFleet } from "./apply/engine.js";
/** Every hub's and tool's health, node groups and backups, read from the cluster. */
export { fleetStatus } from "./apply/status.js";
/** Proves each hub serves by starting and removing a test user's server through JupyterHub's API. */
export { checkFleet } from "./check/fleetCheck.js";
/** Nodes per group at the busiest and quietest moment of the week, and the monthly cost (offline). */
export { planCapacity } from "./capacity/plan.js";
/**
 * Whether the node groups can run a fleet, as `hubfleet validate` judges it: pass it to
 * loadFleet/parseFleet as their extra checks (`loadFleet(path, { extraChecks: checkFleetFits })`).
 */
export { checkFleetFits } from "./capacity/fit.js";
/**
 * What each hub cost over a month, from the cluster's Prometheus (`hubfleet cost`): pass a
 * source from prometheusAt(URL) or prometheusThroughKube(kube), and a window from monthWindow.
 */
export { measuredHubCost } from "./apply/hubCost.js";
export { prometheusAt, prometheusThroughKube } from "./apply/prometheusQuery.js";
export { monthWindow } from "./capacity/costQueries.js";
/** The prices hubfleet ships (EC2 for every region of the instance-type table, dated and sourced), for planCapacity. */
export { SHIPPED_PRICES } from "./capacity/prices.js";

/** A Kubernetes port connected like kubectl (kubeconfig file or the default, optional context). */
export { kubePortFromConfig } from "./ports/kube.js";
/** A helm port running the helm binary (default `helm` on the PATH). */
export { helmPort } from "./ports/helm.js";
/** An HTTP port for reaching hubs (status's health probe, check). */
export { fetchHubHttp } from "./ports/hubHttp.js";

/** The fleet file is invalid: carries every problem with its position. */
export { FleetError } from "./fleet/problems.js";
/** Not doable as asked (UsageError), a failed external program (ToolError), Kubernetes API call (ClusterError) or fleet lock (LockError). */
export { UsageError, ToolError, ClusterError, LockError } from "./errors.js";
/** Apply stopped before writing because it would prune more than allowed. */
export { PruneGuardError } from "./apply/engine.js";
/** An HTTP call to a hub failed. */
export { HubHttpError } from "./ports/hubHttp.js";

/** The types of the values above. */
export type { FleetModel, Hub, Dataset } from "./fleet/model.js";
export type { LoadResult } from "./fleet/load.js";
export type { Problem } from "./fleet/problems.js";
export type {
  Bundle,
  Manifest,
  HelmRelease,
  ReleaseUnit,
  JsonDocument,
} from "./render/bundle.js";
export type { Plan } from "./plan/plan.js";
export type {
  ApplyOptions,
  ApplyReport,
  HubGate,
  RolloutEvent,
  RolloutReport,
} from "./apply/engine.js";
export type { RolloutWave } from "./plan/rollout.js";
export type { FleetStatus, HubStatus, StatusOptions } from "./apply/status.js";
export type { FleetCheckOptions, FleetCheckResult } from "./check/fleetCheck.js";
export type { CapacityOptions, CapacityPlan } from "./capacity/plan.js";
export type { KubePort } from "./ports/kube.js";
export type { HelmOptions, HelmPort } from "./ports/helm.js";
export type { HubHttpPort } from "./ports/hubHttp.js";
