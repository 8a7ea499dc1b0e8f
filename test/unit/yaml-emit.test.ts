/**
 * The YAML emitter: whatever data goes in comes back unchanged through a YAML 1.2 reader and a
 * YAML 1.1 reader (what Go's yaml.v2 in helm and kubectl follows: `on`, `y`, 2025-10-20 and
 * 1_000 mean other things there), for generated data and for the strings known to trip YAML.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import { emitYaml } from "../../src/render/yamlEmit.js";

const readsBack = (value: unknown) => {
  const text = emitYaml(value);
  for (const version of ["1.1", "1.2"] as const) {
    assert.deepEqual(parse(text, { version }), value, `YAML ${version}:\n${text}`);
  }
  return text;
};

/** Strings that are something else to some YAML reader, or break naive emitters. */
const TRICKY = [
  "",
  " ",
  "yes",
  "No",
  "ON",
  "off",
  "y",
  "n",
  "~",
  "null",
  "true",
  "False",
  ".inf",
  "-.Inf",
  ".NaN",
  "0",
  "-1",
  "+1",
  "1_000",
  "0x1F",
  "0o17",
  "017",
  "0b101",
  "1e3",
  "1.",
  ".5",
  "1:20",
  "190:20:30",
  "2025-10-20",
  "2001-12-14t21:59:43.10-05:00",
  "10.100.0.0/16",
  "9e38d0dfe072722c",
  "500m",
  "a: b",
  "a:",
  "key: value # not a comment",
  "#comment",
  "a #b",
  "- item",
  "-",
  "?",
  ": x",
  "[a]",
  "{a: 1}",
  "*alias",
  "&anchor",
  "!tag",
  "|",
  ">",
  "%YAML",
  "@at",
  "`tick",
  "<<",
  "=",
  "'single'",
  '"double"',
  '{"enableNetworkPolicy":"true"}',
  "back\\slash",
  "tab\there",
  "trailing ",
  " leading",
  "line\nbreak",
  "ends\n",
  "ends twice\n\n",
  "\n",
  "\nstarts",
  "  indented\nblock",
  "a\n  \nb",
  "cr\r\nlf",
  "nel\u0085x",
  "ls\u2028x",
  "bom\ufeffx",
  "bell\u0007",
  "unicode ✓ café",
  "https://hub.example.edu/x/hub/oauth_callback",
  "quay.io/jupyter/scipy-notebook:2025-10-20",
  "read:org",
];

describe("YAML emitter", () => {
  it("reads back every tricky string, as a value, a key and a list item", () => {
    for (const s of TRICKY) {
      readsBack(s);
      readsBack({ [s]: s });
      readsBack([s, { k: s }, [s]]);
    }
  });

  it("writes plain only what cannot be read otherwise, and JSON single-quoted", () => {
    const text = emitYaml({
      a: "plain-text",
      b: "yes",
      c: "2025-10-20",
      d: '{"x":"y"}',
      e: "line1\nline2\n",
    });
    assert.equal(
      text,
      'a: plain-text\nb: "yes"\nc: "2025-10-20"\nd: \'{"x":"y"}\'\ne: |\n  line1\n  line2\n',
    );
  });

  it("reads back generated data (fast-check)", () => {
    // ("__proto__" as a key is not data a renderer makes, and JS objects treat it specially.)
    const key = fc.oneof(fc.string(), fc.constantFrom(...TRICKY)).filter((k) => k !== "__proto__");
    const leaf = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.string(),
      fc.constantFrom(...TRICKY),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
      fc.boolean(),
      fc.constant(null),
    );
    const data = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(key, tie("node"), { maxKeys: 4, noNullPrototype: true }),
      ),
    })).node;
    fc.assert(
      fc.property(data, (value) => {
        readsBack(value);
      }),
      { numRuns: 2000 },
    );
  });
});
