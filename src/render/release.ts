/**
 * release.json of a hub or a tool: what apply installs, which values it fills in from Secrets,
 * and which Secrets it creates or needs. One shape for both.
 */
import type { ReleaseUnit } from "./bundle.js";

export function releaseDescription(
  unit: Pick<ReleaseUnit, "release" | "secrets">,
): Record<string, unknown> {
  const { release } = unit;
  // A Secret's namespace is written only when it is not the release's own (a hub's Secrets
  // always live in its namespace; a tool's may not).
  const namespaceOf = (namespace: string) => (namespace === release.namespace ? {} : { namespace });
  return {
    chart: release.chart,
    releaseName: release.name,
    namespace: release.namespace,
    valuesFile: "values.yaml",
    secretValues: (release.secretValues ?? []).map((v) => ({
      valuePath: v.valuePath.join("."),
      fromSecret: {
        name: v.secretName,
        key: v.key,
        ...(v.namespace ? { namespace: v.namespace } : {}),
      },
      ...(v.asList ? { asList: true } : {}),
    })),
    secretsCreatedByApply: unit.secrets
      .filter((s) => s.type !== "external")
      .map((s) => ({ name: s.name, ...namespaceOf(s.namespace), type: s.type, keys: s.keys })),
    secretsRequired: unit.secrets
      .filter((s) => s.type === "external")
      .map((s) => ({ name: s.name, ...namespaceOf(s.namespace), keys: s.keys, createdBy: s.hint })),
  };
}
