/**
 * CPU amounts may be written as numbers, as the chart accepts them: `cpu: { guarantee: 2 }`
 * and `0.5` unquoted give the same model and the same rendered output as the quoted form.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderFleet } from "../../src/render/index.js";
import { exampleText, fleetFrom } from "../helpers.js";

describe("CPU amounts as numbers", () => {
  const quoted = exampleText;
  // The example writes every CPU amount quoted; the same file with the quotes taken off.
  const bare = exampleText.replace(
    /cpu: \{ guarantee: "([0-9.]+)", limit: "([0-9.]+)" \}/g,
    "cpu: { guarantee: $1, limit: $2 }",
  );

  it("the edit really removes the quotes", () => {
    assert.notEqual(bare, quoted);
    assert.match(bare, /cpu: \{ guarantee: 0\.25, limit: 1 \}/);
  });
  it('reads 0.25, 1 and 2 unquoted as the quantities "0.25", "1" and "2"', () => {
    const model = fleetFrom(bare);
    assert.deepEqual(
      model.hubs.map((hub) => hub.resources.cpu),
      fleetFrom(quoted).hubs.map((hub) => hub.resources.cpu),
    );
    assert.deepEqual(model.hubs[0]?.resources.cpu, { guarantee: "0.25", limit: "1" });
  });
  it("renders byte for byte what the quoted form renders", () => {
    assert.equal(
      JSON.stringify(renderFleet(fleetFrom(bare))),
      JSON.stringify(renderFleet(fleetFrom(quoted))),
    );
  });
});
