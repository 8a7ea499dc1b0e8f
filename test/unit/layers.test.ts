/**
 * The dependency rule (docs/design.md, "Layers"): arrows point down. vocabulary ← fleet ←
 * render ← plan/capacity ← apply ← backup/check/archive ← loadtest ← cli ← index; ports sit beside them and import
 * only the vocabulary. This test reads every import in src/ and fails on any arrow pointing up
 * or sideways, so a later change cannot break the rule silently.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, it } from "node:test";
import { REPO } from "../helpers.js";

const SRC = join(REPO, "src");

/** Each top-level part of src/ and its rank: a part may import only parts of a lower rank. */
const RANK: Readonly<Record<string, number>> = {
  vocabulary: 0,
  "errors.ts": 0,
  fleet: 1,
  render: 2,
  plan: 3,
  capacity: 3,
  apply: 4,
  backup: 5,
  check: 5,
  // Archive and restore of a hub's drive; `--then-delete` reuses apply's delete-hub.
  archive: 5,
  // The login burst reuses check's hub URL and JupyterHub's messages.
  loadtest: 6,
  cli: 7,
  "index.ts": 8,
};
/** Ports wrap the outside world: they import only rank 0, and are imported from plan upward. */
const PORTS = "ports";
const PORT_USERS_FROM_RANK = 3;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** The top-level part of src/ a path is in ("fleet", "errors.ts", …). */
function partOf(path: string): string {
  const first = relative(SRC, path).split("/")[0] ?? "";
  return first.replace(/\.js$/, ".ts");
}

/** Every relative import of the file, as [importing part, imported part, specifier]. */
function arrows(file: string): Array<[string, string, string]> {
  const text = readFileSync(file, "utf8");
  const out: Array<[string, string, string]> = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
    const spec = m[1] ?? "";
    const target = normalize(join(dirname(file), spec));
    out.push([partOf(file), partOf(target), spec]);
  }
  return out;
}

/**
 * Names a module outside the vocabulary passes on from it (`export { X } from ".../vocabulary/…"`,
 * or `export { X }` of a name it imported from there). The public entry point is exempt.
 */
function vocabularyReexports(file: string, text: string): string[] {
  const fromVocabulary = (spec: string) =>
    partOf(normalize(join(dirname(file), spec))) === "vocabulary";
  const out: string[] = [];
  const imported = new Set<string>();
  for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*"(\.{1,2}\/[^"]+)"/g)) {
    if (!fromVocabulary(m[2] ?? "")) continue;
    for (const name of (m[1] ?? "").split(",")) {
      const local = name
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.replace(/^type\s+/, "");
      if (local) imported.add(local);
    }
  }
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s*"([^"]+)")?/g)) {
    const names = (m[1] ?? "")
      .split(",")
      .map(
        (n) =>
          n
            .trim()
            .replace(/^type\s+/, "")
            .split(/\s+as\s+/)[0] ?? "",
      )
      .filter(Boolean);
    if (m[2] !== undefined) {
      if (m[2].startsWith(".") && fromVocabulary(m[2])) out.push(...names);
    } else {
      out.push(...names.filter((n) => imported.has(n)));
    }
  }
  return out;
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  if (from === PORTS) return RANK[to] === 0;
  if (to === PORTS) return (RANK[from] ?? -1) >= PORT_USERS_FROM_RANK;
  const a = RANK[from];
  const b = RANK[to];
  if (a === undefined || b === undefined) return false;
  return b < a;
}

describe("layers: imports point down", () => {
  const files = sourceFiles(SRC);

  it("every part of src/ has a place in the rule", () => {
    const parts = new Set(files.map(partOf));
    const unknown = [...parts].filter((p) => p !== PORTS && RANK[p] === undefined);
    assert.deepEqual(unknown, [], "add new top-level folders to RANK (and to docs/design.md)");
  });

  it("no import points up or sideways", () => {
    const wrong = files.flatMap((file) =>
      arrows(file)
        .filter(([from, to]) => !allowed(from, to))
        .map(([from, to, spec]) => `${relative(REPO, file)} (${from}) imports ${spec} (${to})`),
    );
    assert.deepEqual(wrong, []);
  });

  it("the vocabulary imports nothing of the project", () => {
    const vocabulary = files.filter((f) => partOf(f) === "vocabulary");
    assert.ok(vocabulary.length > 0);
    const imports = vocabulary.flatMap((f) =>
      arrows(f)
        .filter(([, to]) => to !== "vocabulary")
        .map(([, , spec]) => `${f}: ${spec}`),
    );
    assert.deepEqual(imports, []);
  });

  it("the vocabulary is imported from itself, never passed on by another module", () => {
    const passedOn = files
      .filter((f) => partOf(f) !== "vocabulary" && partOf(f) !== "index.ts")
      .flatMap((f) =>
        vocabularyReexports(f, readFileSync(f, "utf8")).map((n) => `${relative(REPO, f)}: ${n}`),
      );
    assert.deepEqual(passedOn, []);
  });

  it("catches a module passing vocabulary names on (the check itself can fail)", () => {
    const file = join(SRC, "render", "labels.ts");
    assert.deepEqual(
      vocabularyReexports(file, 'export { HUB_LABEL } from "../vocabulary/labels.js";'),
      ["HUB_LABEL"],
    );
    assert.deepEqual(
      vocabularyReexports(
        file,
        'import { A, B as C } from "../vocabulary/labels.js";\nimport { D } from "./x.js";\nexport { C, D };',
      ),
      ["C"],
    );
  });

  it("catches an arrow pointing up (the rule itself can fail)", () => {
    assert.equal(allowed("fleet", "render"), false);
    assert.equal(allowed("ports", "render"), false);
    assert.equal(allowed("render", "ports"), false);
    assert.equal(allowed("cli", "apply"), true);
  });
});
