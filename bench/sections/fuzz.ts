/**
 * fuzzing: generated fleet files (structure-aware mutations of valid fleets, bench/lib/mutations.ts)
 * through validate and render: nothing may throw, and every rejection must be structured
 * problems (a field path or the whole file, a line and column, a message).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseFleet } from "../../src/fleet/load.js";
import type { Problem } from "../../src/fleet/problems.js";
import { renderFleet } from "../../src/render/index.js";
import type { BenchContext, Section } from "../lib/context.js";
import { figure } from "../lib/figures.js";
import { validGeneratedFleet } from "../lib/fleetGen.js";
import { mutatedFleets } from "../lib/mutations.js";

/** Why a problem is not a usable answer, or undefined when it is one. */
export function unstructured(p: Problem): string | undefined {
  if (typeof p.path !== "string") return "no path";
  if (!(p.line >= 1 && p.column >= 1)) return `no place (line ${p.line}, column ${p.column})`;
  if (typeof p.message !== "string" || p.message.trim() === "") return "no message";
  if (/undefined|\[object Object\]/.test(p.message)) return `garbled message: ${p.message}`;
  return undefined;
}

/** The seeds: the bundled example (when it validates) and generated fleets of a few sizes. */
function seeds(ctx: BenchContext): string[] {
  const example = readFileSync(join(ctx.repo, "examples", "fleet.yaml"), "utf8");
  const out = [
    validGeneratedFleet({ name: "fuzz", hubs: 3 }).text,
    validGeneratedFleet({ name: "fuzz", hubs: 8, placeholderEvery: 2 }).text,
  ];
  if (parseFleet(example, "fleet.yaml").fleet) out.push(example);
  else ctx.log("fuzz: the bundled example does not validate right now; not used as a seed");
  return out;
}

export const fuzzSection: Section = {
  name: "fuzz",
  title: "fuzzing validate and render",
  async run(ctx: BenchContext) {
    const total = ctx.sizes.fuzzRuns;
    const arbitrary = mutatedFleets(seeds(ctx));
    let accepted = 0;
    let rejected = 0;
    let wholeFile = 0;
    const crashes: string[] = [];
    const bad: string[] = [];
    const start = process.hrtime.bigint();
    const chunk = 500;
    for (let done = 0; done < total; done += chunk) {
      const cases = fc.sample(arbitrary, {
        numRuns: Math.min(chunk, total - done),
        seed: 1000 + done,
      });
      for (const text of cases) {
        try {
          const result = parseFleet(text, "fuzz.yaml");
          if (result.fleet) {
            renderFleet(result.fleet);
            accepted += 1;
            continue;
          }
          rejected += 1;
          const errors = result.problems.filter((p) => p.severity === "error");
          if (errors.length === 0) bad.push("rejected without an error");
          if (errors.length > 0 && errors.every((p) => p.path === "")) wholeFile += 1;
          for (const p of errors) {
            const why = unstructured(p);
            if (why) bad.push(`${p.path}: ${why}`);
          }
        } catch (err) {
          crashes.push(
            `${err instanceof Error ? err.message : String(err)}\n--- input:\n${text.slice(0, 2000)}`,
          );
        }
      }
      ctx.log(`fuzz: ${Math.min(done + chunk, total)} of ${total} (${crashes.length} crashes)`);
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    for (const c of crashes.slice(0, 3)) ctx.log(`fuzz crash: ${c}`);
    for (const b of [...new Set(bad)].slice(0, 5)) ctx.log(`fuzz unstructured: ${b}`);
    const section = "fuzz";
    return [
      figure({
        section,
        name: `${total} mutated fleet files through validate + render: crashes`,
        unit: "files",
        samples: [crashes.length],
        target: { on: "value", op: "==", value: 0 },
        note: `${accepted} accepted and rendered, ${rejected} rejected (${rejected - wholeFile} at a field path, ${wholeFile} whole-file: YAML syntax, not a mapping); ${(ms / total).toFixed(1)} ms per file${crashes[0] ? `; first crash: ${crashes[0].split("\n")[0]}` : ""}`,
      }),
      figure({
        section,
        name: "problems without path, place or message",
        unit: "problems",
        samples: [bad.length],
        target: { on: "value", op: "==", value: 0 },
        ...(bad.length > 0 ? { note: [...new Set(bad)].slice(0, 3).join("; ") } : {}),
      }),
    ];
  },
};
