/**
 * `hubfleet plan FILE`: what apply would do. Exit code 0 when the plan was made, with or
 * without changes, 1 on an error; with --detailed-exitcode, 2 when there are changes (as
 * `terraform plan -detailed-exitcode`), so scripts opt in to telling the two apart.
 */
import type { Command } from "commander";
import { observeForPlan } from "../apply/observePlan.js";
import { freezeClock } from "../apply/rollout.js";
import { renderFleetWithWarmUp } from "../capacity/warmup.js";
import type { FleetModel } from "../fleet/model.js";
import type { FieldChange } from "../plan/diff.js";
import { freezeReason } from "../plan/freeze.js";
import { describeViolation } from "../plan/immutable.js";
import {
  buildPlan,
  hubChanges,
  type ObjectPlan,
  type Plan,
  planHasChanges,
  versionChanges,
} from "../plan/plan.js";
import type { PruneItem } from "../plan/prune.js";
import { describeWaves, type RolloutWave, rolloutSettings, rolloutWaves } from "../plan/rollout.js";
import { describeTermChange, termChanges } from "../plan/terms.js";
import { objectKey } from "../plan/units.js";
import { addClusterOptions, type ClusterOptions, connect, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";
import {
  OUTPUT_OPTION,
  parseHubNames,
  parseOutputFormat,
  repeatable,
  writeStructured,
} from "./options.js";
import { paint } from "./style.js";

export const PLAN_EXIT_CHANGES = 2;

export function planCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("plan")
      .description("show what apply would change (exit 0; with --detailed-exitcode 2 on changes)")
      .argument("<file>", "fleet file (- reads it from standard input)")
      .option(...OUTPUT_OPTION)
      .option("--hub <name>", "only this hub, as apply --hub (repeatable)", repeatable)
      .option("--detailed-exitcode", "exit 2 when apply would change the cluster, 0 when not")
      .option(
        "--canary <hubs>",
        "show the rollout order apply --canary would use (comma-separated)",
      ),
  ).action(
    async (
      file: string,
      options: ClusterOptions & {
        output: string;
        hub?: string[];
        detailedExitcode?: boolean;
        canary?: string;
      },
    ) => {
      const format = parseOutputFormat(options.output);
      const fleet = await loadValidFleet(io, file);
      const only = parseHubNames(
        options.hub,
        fleet.hubs.map((h) => h.name),
      );
      const now = freezeClock()();
      const bundle = renderFleetWithWarmUp(fleet, { now });
      const observed = await observeForPlan(connect(io, options), fleet, bundle, only);
      const plan = onlyHubs(buildPlan(bundle, observed), only);
      const changed = planHasChanges(plan);
      const rollout = rolloutOf(fleet, plan, options.canary, now);
      const terms = termChanges(plan, bundle);
      if (format !== "text") {
        writeStructured(io, format, { ...planJson(plan, changed), rollout, terms });
      } else {
        printPlan(io, plan, changed, options.detailedExitcode === true);
        printRollout(io, rollout);
        if (terms.length > 0) io.out("\nterms:\n");
        for (const t of terms) io.out(`  ${describeTermChange(t)}\n`);
      }
      if (changed && options.detailedExitcode) io.setExitCode(PLAN_EXIT_CHANGES);
    },
  );
}

/** The plan of the chosen hubs: cluster-wide objects and tools stay, as apply --hub does them. */
function onlyHubs(plan: Plan, only: readonly string[] | undefined): Plan {
  if (!only) return plan;
  return {
    ...plan,
    hubs: plan.hubs.filter((h) => only.includes(h.hub)),
    missingSecrets: plan.missingSecrets.filter(
      (m) => m.unit.startsWith("tools/") || only.includes(m.unit),
    ),
  };
}

/** What plan shows of the rollout: versions changing, the waves, the hubs frozen now. */
interface PlanRollout {
  readonly versions: ReturnType<typeof versionChanges>;
  /** Absent: apply would do every changing hub at once. */
  readonly waves?: readonly RolloutWave[];
  /** Hubs apply would skip if run now (in class, warming up, a freeze). */
  readonly frozen: readonly { hub: string; reason: string }[];
}

function rolloutOf(
  fleet: FleetModel,
  plan: Plan,
  canary: string | undefined,
  now: Date,
): PlanRollout {
  const settings = rolloutSettings(
    fleet,
    canary
      ?.split(",")
      .map((h) => h.trim())
      .filter(Boolean),
  );
  const changing = new Set(plan.hubs.filter(hubChanges).map((h) => h.hub));
  // As apply: a hub not installed yet has no class to disturb.
  const installed = new Set(
    plan.hubs.filter((h) => h.release && h.release.action !== "install").map((h) => h.hub),
  );
  const frozen = fleet.hubs.flatMap((hub) => {
    const reason =
      changing.has(hub.name) && installed.has(hub.name) ? freezeReason(fleet, hub, now) : undefined;
    return reason ? [{ hub: hub.name, reason }] : [];
  });
  const movable = (h: string) => changing.has(h) && !frozen.some((f) => f.hub === h);
  return {
    versions: versionChanges(plan),
    ...(settings ? { waves: rolloutWaves(fleet, settings, movable) } : {}),
    frozen,
  };
}

function printRollout(io: Io, rollout: PlanRollout): void {
  if (rollout.versions.length > 0) {
    io.out("\nchart versions:\n");
    for (const v of rollout.versions)
      io.out(`  ${v.hub}: ${v.from ?? "(not installed)"} -> ${v.to}\n`);
  }
  if (rollout.waves && rollout.waves.length > 0) {
    io.out(`\nrollout, each wave checked before the next: ${describeWaves(rollout.waves)}\n`);
  }
  for (const f of rollout.frozen) {
    io.out(`apply now would skip ${f.hub} (${f.reason}); --during-class overrides\n`);
  }
}

const item = (i: PruneItem) => ({ object: objectKey(i.object), reason: i.reason });

function planJson(plan: Plan, changed: boolean) {
  return {
    changes: changed,
    cluster: plan.cluster,
    hubs: plan.hubs,
    prune: {
      delete: plan.prune.delete.map(item),
      retain: plan.prune.retain.map(item),
      leave: plan.prune.leave.map(item),
      uninstall: plan.prune.uninstall.map((r) => `${r.namespace}/${r.name}`),
      ...(plan.prune.note ? { note: plan.prune.note } : {}),
    },
    guard: plan.guard,
    immutable: plan.immutable,
    missingSecrets: plan.missingSecrets,
  };
}

const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

function printChanges(io: Io, changes: readonly FieldChange[], indent: string): void {
  for (const c of changes.slice(0, 20))
    io.out(`${indent}${c.path}: ${show(c.from)} -> ${show(c.to)}\n`);
  if (changes.length > 20) io.out(`${indent}... and ${changes.length - 20} more\n`);
}

function printObjects(io: Io, objects: readonly ObjectPlan[]): void {
  for (const o of objects) {
    if (o.action === "unchanged") continue;
    io.out(`  ${o.action === "create" ? "+" : "~"} ${o.key}\n`);
    printChanges(io, o.changes, "      ");
  }
}

function printPlan(io: Io, plan: Plan, changed: boolean, detailed: boolean): void {
  if (plan.cluster.some((o) => o.action !== "unchanged")) {
    io.out("cluster:\n");
    printObjects(io, plan.cluster);
  }
  for (const hub of plan.hubs) {
    const objectChanges = hub.objects.filter((o) => o.action !== "unchanged").length;
    const release = hub.release;
    const releaseText = !release
      ? ""
      : release.action === "install"
        ? `install ${release.chartTo}`
        : release.action === "upgrade"
          ? `upgrade ${release.chartFrom === release.chartTo ? release.chartTo : `${release.chartFrom} -> ${release.chartTo}`}`
          : "release unchanged";
    io.out(`hub ${hub.hub}: ${objectChanges} object change(s), ${releaseText}\n`);
    printObjects(io, hub.objects);
    if (release && release.valueChanges.length > 0) {
      io.out("    values:\n");
      printChanges(io, release.valueChanges, "      ");
    }
  }
  for (const r of plan.prune.uninstall) io.out(`- uninstall release ${r.namespace}/${r.name}\n`);
  for (const i of plan.prune.delete) io.out(`- delete ${objectKey(i.object)} (${i.reason})\n`);
  for (const i of plan.prune.retain) io.out(`  retain ${objectKey(i.object)} (${i.reason})\n`);
  for (const i of plan.prune.leave) io.out(`  leave ${objectKey(i.object)} (${i.reason})\n`);
  if (plan.prune.note) io.out(`note: ${plan.prune.note}\n`);
  if (plan.guard.stop) {
    io.out("\napply would stop before writing anything (prune guard):\n");
    for (const reason of plan.guard.reasons) io.out(`  ${reason}\n`);
    io.out(`  to go ahead: apply with ${plan.guard.flags.join(" ")}\n`);
  }
  if (plan.immutable.length > 0) {
    io.out("\napply would stop before writing anything: changes that cannot be made in place:\n");
    for (const v of plan.immutable) io.out(`  ${describeViolation(v)}\n`);
  }
  if (plan.missingSecrets.length > 0) {
    io.out("\napply would stop these before their release: Secrets they reference are missing:\n");
    for (const m of plan.missingSecrets) io.out(`  ${m.unit}: ${m.message}\n`);
  }
  io.out(
    changed
      ? `\n${paint(io.colour.out, "yellow", "apply would change the cluster")}${detailed ? " (exit code 2)" : ""}\n`
      : `\n${paint(io.colour.out, "green", "no changes")}: the cluster matches the fleet file\n`,
  );
}
