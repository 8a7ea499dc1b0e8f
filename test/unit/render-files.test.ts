/**
 * renderFleet returns data and bundleFiles makes the files: one release.json shape for hubs
 * and tools, and no file text in the bundle apply, plan and status work from.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import { exampleFleet } from "../helpers.js";

describe("render output files", () => {
  const bundle = renderFleet(exampleFleet());
  const files = bundleFiles(bundle);
  const releaseJson = files.filter((f) => f.path.endsWith("/release.json"));

  it("the bundle holds data, not file text", () => {
    assert.equal("files" in bundle, false);
    assert.equal(bundle.hubs.length, exampleFleet().hubs.length);
    assert.ok(bundle.tools.length > 0);
  });

  it("hubs and tools describe their release with the same fields", () => {
    const keysOf = (content: string) => Object.keys(JSON.parse(content) as object).sort();
    const hubs = releaseJson.filter((f) => f.path.startsWith("hubs/"));
    const tools = releaseJson.filter((f) => f.path.startsWith("tools/"));
    assert.ok(hubs.length > 0 && tools.length > 0);
    const expected = keysOf(hubs[0]?.content ?? "{}");
    for (const f of [...hubs, ...tools]) assert.deepEqual(keysOf(f.content), expected, f.path);
  });

  it("a Secret outside its release's namespace is named with its namespace", () => {
    const velero = bundle.tools.find((t) => t.name === "velero");
    assert.ok(velero);
    const moved = {
      ...velero,
      secrets: velero.secrets.map((s) => ({ ...s, namespace: "elsewhere" })),
    };
    const text = bundleFiles({ ...bundle, tools: [moved] }).find(
      (f) => f.path === "tools/velero/release.json",
    )?.content;
    assert.match(text ?? "", /"namespace": "elsewhere"/);
  });

  it("the same bundle gives the same bytes", () => {
    assert.deepEqual(bundleFiles(renderFleet(exampleFleet())), files);
  });
});
