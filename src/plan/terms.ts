/**
 * What a plan does to the hubs with terms: which go to sleep, which wake, which stay asleep —
 * read from the plan itself (the asleep route created or pruned) and the rendered bundle. Pure.
 */
import type { Bundle } from "../render/bundle.js";
import type { Plan } from "./plan.js";
import { objectKey } from "./units.js";

/** The Ingress a sleeping hub's URL goes through (render/asleep/routes.ts). */
const ASLEEP_INGRESS = "hub-asleep";

export interface TermChange {
  readonly hub: string;
  /** "sleeps": apply puts it to sleep; "wakes": apply wakes it; "asleep": it stays asleep. */
  readonly change: "sleeps" | "wakes" | "asleep";
  /** For a sleeping hub: "asleep until 2027-01-17 (…)". */
  readonly asleep?: string;
}

export function termChanges(plan: Plan, bundle: Bundle): TermChange[] {
  const routeKey = (hub: string) =>
    objectKey({ kind: "Ingress", metadata: { namespace: hub, name: ASLEEP_INGRESS } });
  const pruned = new Set(plan.prune.delete.map((d) => objectKey(d.object)));
  return plan.hubs.flatMap((h): TermChange[] => {
    const asleep = bundle.hubs.find((u) => u.name === h.hub)?.asleep;
    if (asleep) {
      const created = h.objects.some((o) => o.key === routeKey(h.hub) && o.action === "create");
      return [{ hub: h.hub, change: created ? "sleeps" : "asleep", asleep }];
    }
    return pruned.has(routeKey(h.hub)) ? [{ hub: h.hub, change: "wakes" }] : [];
  });
}

/** One line of plan's text: "stat101 goes to sleep: asleep until …". */
export function describeTermChange(change: TermChange): string {
  switch (change.change) {
    case "sleeps":
      return `${change.hub} goes to sleep: ${change.asleep ?? ""} (hub, proxy, drive server and placeholders to 0; data kept)`;
    case "asleep":
      return `${change.hub} stays ${change.asleep ?? "asleep"}`;
    case "wakes":
      return `${change.hub} wakes: hub, proxy, drive server and placeholders back; its asleep page goes`;
  }
}
