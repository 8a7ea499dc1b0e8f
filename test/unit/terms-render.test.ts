/**
 * A sleeping hub as rendered: no placeholders and no warm-up ScaledObject, the chart's Ingress
 * off, the drive server at 0 replicas with its claim kept, the hub's URL routed to the asleep
 * page (Ingress + ExternalName Service) and the page saying until when. An awake hub, and a
 * fleet without terms, render as before. Same fleet and instant → the same bundle.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderFleetWithWarmUp } from "../../src/capacity/warmup.js";
import type { Bundle } from "../../src/render/bundle.js";
import { bundleFiles } from "../../src/render/files.js";
import { exampleFleet, termFleet } from "../helpers.js";

const stat101In = (term: unknown = "fall-2026") => termFleet([[["hubs", 0, "term"], term]]);

const AFTER_FALL = new Date("2026-12-20T20:00:00Z");
const IN_FALL = new Date("2026-12-01T20:00:00Z");

const find = (bundle: Bundle, kind: string, name: string, namespace?: string) =>
  bundle.manifests.find(
    (m) =>
      m.object.kind === kind &&
      m.object.metadata.name === name &&
      (namespace === undefined || m.object.metadata.namespace === namespace),
  );
/** The value at a path of plain data (undefined where the path ends early). */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
const valuesOf = (bundle: Bundle, hub: string) =>
  bundle.releases.find((r) => r.hub === hub)?.values;

describe("render of a sleeping hub", () => {
  const bundle = renderFleetWithWarmUp(stat101In(), { now: AFTER_FALL });

  it("says it is asleep, and since when", () => {
    const unit = bundle.hubs.find((u) => u.name === "stat101");
    assert.equal(
      unit?.asleep,
      "asleep since 2026-12-19 (term fall-2026 ended 2026-12-18; no later term)",
    );
    assert.equal(bundle.hubs.find((u) => u.name === "cs480")?.asleep, undefined);
  });

  it("has no placeholders, no warm-up ScaledObject and no chart Ingress", () => {
    const values = valuesOf(bundle, "stat101");
    assert.equal(at(values, "scheduling", "userPlaceholder", "enabled"), false);
    assert.equal(at(values, "scheduling", "userPlaceholder", "replicas"), 0);
    assert.equal(at(values, "ingress", "enabled"), false);
    assert.equal(find(bundle, "ScaledObject", "user-placeholder-warm-up", "stat101"), undefined);
    // The same hub in term warms up (the example's stat101 has a schedule).
    const awake = renderFleetWithWarmUp(stat101In(), { now: IN_FALL });
    assert.ok(find(awake, "ScaledObject", "user-placeholder-warm-up", "stat101"));
    assert.equal(at(valuesOf(awake, "stat101"), "ingress", "enabled"), true);
  });

  it("runs its drive server at 0 replicas and keeps the drive's claim", () => {
    const drive = find(bundle, "StatefulSet", "drive", "stat101")?.object;
    assert.equal(at(drive, "spec", "replicas"), 0);
    assert.ok(find(bundle, "PersistentVolumeClaim", "drive-data", "stat101"));
  });

  it("routes its host and path to the shared page server through an ExternalName Service", () => {
    const service = find(bundle, "Service", "hub-asleep", "stat101")?.object;
    assert.equal(at(service, "spec", "type"), "ExternalName");
    assert.equal(
      at(service, "spec", "externalName"),
      "hub-asleep-pages.hubfleet-shared.svc.cluster.local",
    );
    const rule = at(find(bundle, "Ingress", "hub-asleep", "stat101")?.object, "spec", "rules", 0);
    assert.equal(at(rule, "host"), "hubs.example.edu");
    assert.equal(at(rule, "http", "paths", 0, "path"), "/stat101/");
    assert.equal(at(rule, "http", "paths", 0, "backend", "service", "name"), "hub-asleep");
    const ingress = find(bundle, "Ingress", "hub-asleep", "stat101")?.object;
    assert.deepEqual(at(ingress, "spec", "tls", 0, "hosts"), ["hubs.example.edu"]);
    const traefik = bundle.releases.find((r) => r.tool === "traefik")?.values;
    assert.equal(at(traefik, "providers", "kubernetesIngress", "allowExternalNameServices"), true);
  });

  it("the page server (one, on the clustertools nodes) has a page naming the hub and the date", () => {
    const data = at(find(bundle, "ConfigMap", "hub-asleep-pages")?.object, "data");
    const page = String(at(data, "stat101.html"));
    assert.match(page, /STAT 101.* is asleep/);
    assert.match(page, /term ended on 2026-12-18 \(America\/Los_Angeles\)/);
    assert.match(String(at(data, "default.conf")), /location \^~ \/stat101 \{/);
    assert.equal(Object.keys(data as object).length, 2);
    const pod = at(
      find(bundle, "Deployment", "hub-asleep-pages")?.object,
      "spec",
      "template",
      "spec",
    );
    assert.deepEqual(at(pod, "nodeSelector"), { "hubfleet.io/node-group": "clustertools" });
    assert.match(String(at(pod, "containers", 0, "image")), /:[0-9.]+-alpine$/);
  });

  it("a hub before its term says until when it sleeps (the wake day, 2 days before)", () => {
    const early = renderFleetWithWarmUp(stat101In("spring-2027"), { now: AFTER_FALL });
    const page = String(
      at(find(early, "ConfigMap", "hub-asleep-pages")?.object, "data", "stat101.html"),
    );
    assert.match(page, /wakes on <strong>2027-01-17<\/strong> \(America\/Los_Angeles\)/);
    assert.match(page, /term spring-2027 starts on 2027-01-19/);
  });

  it("is deterministic: same fleet and instant, same files", () => {
    const again = renderFleetWithWarmUp(stat101In(), { now: AFTER_FALL });
    assert.deepEqual(bundleFiles(again), bundleFiles(bundle));
  });
});

describe("render of awake hubs", () => {
  it("no hub asleep: no page server and no asleep route", () => {
    const bundle = renderFleetWithWarmUp(stat101In(), { now: IN_FALL });
    assert.equal(find(bundle, "Deployment", "hub-asleep-pages"), undefined);
    assert.equal(find(bundle, "Ingress", "hub-asleep"), undefined);
  });

  it("a fleet without terms renders the same at any instant", () => {
    const plain = bundleFiles(renderFleetWithWarmUp(exampleFleet()));
    const at = bundleFiles(renderFleetWithWarmUp(exampleFleet(), { now: AFTER_FALL }));
    assert.deepEqual(at, plain);
  });
});
