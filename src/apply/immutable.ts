/**
 * Before apply writes anything: reads the live data-bearing objects it is about to change and
 * stops, with a migration hint, on any change Kubernetes cannot make in place. hubfleet never
 * deletes and recreates such an object to get a change through.
 */
import { UsageError } from "../errors.js";
import {
  IMMUTABLE_KINDS,
  type ImmutableViolation,
  immutableViolations,
} from "../plan/immutable.js";
import { type KubePort, refOf } from "../ports/kube.js";
import type { Manifest } from "../render/bundle.js";
import { mapBounded, retry } from "./retry.js";

export class ImmutableFieldError extends UsageError {
  readonly violations: readonly ImmutableViolation[];

  constructor(violations: readonly ImmutableViolation[]) {
    super(
      `apply stopped before writing anything: ${violations.length} change(s) cannot be made in place, and hubfleet never deletes and recreates an object that holds or leads to data:\n${violations.map((v) => `  ${v.object}: ${v.field} cannot change (${JSON.stringify(v.from)} -> ${JSON.stringify(v.to)})`).join("\n")}`,
      [...new Set(violations.map((v) => v.hint))].join("\n  hint: "),
    );
    this.name = "ImmutableFieldError";
    this.violations = violations;
  }
}

/** Throws ImmutableFieldError listing every such change among the manifests. */
export async function checkImmutable(
  kube: KubePort,
  manifests: readonly Manifest[],
): Promise<void> {
  const checked = manifests.filter((m) => IMMUTABLE_KINDS.has(m.object.kind));
  const found = await mapBounded(checked, 8, async (m) =>
    immutableViolations(m.object, await retry(() => kube.get(refOf(m.object)))),
  );
  const violations = found.flat();
  if (violations.length > 0) throw new ImmutableFieldError(violations);
}
