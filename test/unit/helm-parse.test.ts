/** The Helm port's parsers, on output recorded from the real helm binary (test/fixtures/helm). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { helmMessage } from "../../src/ports/helm.js";
import {
  isReleaseNotFound,
  parseHelmHistory,
  parseHelmList,
  parseHelmRelease,
  parseHelmValues,
  releaseValuesFromSecret,
  splitChart,
} from "../../src/ports/helmParse.js";
import { REPO } from "../helpers.js";

const recorded = (name: string) => readFileSync(`${REPO}test/fixtures/helm/${name}`, "utf8");

describe("helm output parsers (recorded from helm v3.22.0)", () => {
  it("list -A -o json: name, namespace, revision, status, chart split into name and version", () => {
    assert.deepEqual(parseHelmList(recorded("list.json")), [
      {
        name: "stat101",
        namespace: "stat101",
        revision: 2,
        status: "deployed",
        chartName: "jupyterhub",
        chartVersion: "4.3.3",
        updated: "2026-11-26 01:41:51.056021394 +0000 UTC",
      },
    ]);
    assert.deepEqual(parseHelmList("[]"), []);
    assert.deepEqual(parseHelmList(""), []);
  });
  it("upgrade --install -o json: the release with its chart", () => {
    const r = parseHelmRelease(recorded("upgrade-install.json"));
    assert.deepEqual(
      [r.name, r.namespace, r.revision, r.status, r.chartName, r.chartVersion, r.description],
      ["stat101", "stat101", 2, "deployed", "jupyterhub", "4.3.3", "Upgrade complete"],
    );
  });
  it("status -o json: helm 3.22 leaves the chart out, so its name and version are empty", () => {
    const r = parseHelmRelease(recorded("status.json"));
    assert.deepEqual(
      [r.name, r.revision, r.status, r.chartName, r.chartVersion],
      ["stat101", 2, "deployed", "", ""],
    );
  });
  it("history -o json: oldest first, with statuses", () => {
    assert.deepEqual(
      parseHelmHistory(recorded("history.json")).map((h) => [h.revision, h.status, h.description]),
      [
        [1, "superseded", "Install complete"],
        [2, "deployed", "Upgrade complete"],
      ],
    );
  });
  it("get values -o json: the user-supplied values ('null' when there are none)", () => {
    assert.deepEqual(parseHelmValues(recorded("get-values.json")), {
      hub: { baseUrl: "/stat101/" },
      proxy: { service: { type: "ClusterIP" } },
      scheduling: { userPlaceholder: { replicas: 2 } },
    });
    assert.deepEqual(parseHelmValues("null"), {});
  });
  it("recognises 'release: not found' and extracts helm's error line", () => {
    const stderr = recorded("status-missing.stderr");
    assert.equal(isReleaseNotFound(stderr), true);
    assert.equal(helmMessage(stderr), "release: not found");
    assert.equal(
      helmMessage(
        "walk.go:75: found symbolic link\nError: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n",
      ),
      "UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress",
    );
  });
  it("splits chart names that contain dashes", () => {
    assert.deepEqual(splitChart("kube-prometheus-stack-79.2.0"), {
      name: "kube-prometheus-stack",
      version: "79.2.0",
    });
    assert.deepEqual(splitChart("ingress-nginx-4.12.0-beta.1"), {
      name: "ingress-nginx",
      version: "4.12.0-beta.1",
    });
  });
  it("refuses output that is not JSON with a message naming the command", () => {
    assert.throws(() => parseHelmList("Error: boom"), /helm list did not print JSON/);
  });
});

describe("releaseValuesFromSecret", () => {
  // As helm stores a revision: base64 (the API's) of base64 (helm's) of the gzipped JSON.
  const secret = (payload: Buffer) => ({
    type: "helm.sh/release.v1",
    data: { release: Buffer.from(payload.toString("base64")).toString("base64") },
  });
  const release = JSON.stringify({ name: "r", config: { a: { b: [1, 2] } }, version: 3 });

  it("reads the values of a gzipped release, and of one stored plain", () => {
    assert.deepEqual(releaseValuesFromSecret(secret(gzipSync(release))), { a: { b: [1, 2] } });
    assert.deepEqual(releaseValuesFromSecret(secret(Buffer.from(release))), { a: { b: [1, 2] } });
  });

  it("gives {} for a release installed without values, undefined for other Secrets", () => {
    assert.deepEqual(releaseValuesFromSecret(secret(gzipSync('{"name":"r"}'))), {});
    assert.equal(releaseValuesFromSecret({ type: "Opaque", data: {} }), undefined);
  });
});
