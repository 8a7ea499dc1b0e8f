/**
 * The price table plan-capacity uses: the shipped table and the price-file shape with its
 * overlay (fleet/priceTable.ts, re-exported here), and reading a `--prices FILE`'s text with
 * each problem placed. Pure: reading the file happens in the CLI.
 */
import { LineCounter, parseDocument } from "yaml";
import { UsageError } from "../errors.js";
import { locate, type Position } from "../fleet/locate.js";
import {
  type Price,
  type PriceFile,
  type PriceTable,
  priceFileSchema,
  type RegionPrices,
} from "../fleet/priceTable.js";
import { formatPath, type Problem } from "../fleet/problems.js";
import { findingsFromIssues } from "../fleet/schemaIssues.js";

export * from "../fleet/priceTable.js";

/** Checks a parsed price file; every problem as "path: message". */
export function parsePriceFile(data: unknown): { file?: PriceFile; problems: string[] } {
  const parsed = priceFileSchema.safeParse(data);
  if (parsed.success) return { file: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join(".") || "(top)"}: ${issue.message}`,
    ),
  };
}

/**
 * A price file's text (JSON or YAML) checked: its figures, or every problem placed at its
 * file:line:col, worded like a fleet file's.
 */
export function parsePriceText(
  text: string,
  file: string,
): { file?: PriceFile; problems: Problem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problem = (at: Position, path: string, message: string, hint?: string): Problem => ({
    severity: "error",
    file,
    line: at.line,
    column: at.column,
    path,
    message,
    ...(hint ? { hint } : {}),
  });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        const message = e.message.split("\n")[0] ?? e.message;
        return problem(
          { line: pos.line, column: pos.col },
          "",
          `not valid JSON or YAML: ${message}`,
        );
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    const message = err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err);
    return { problems: [problem({ line: 1, column: 1 }, "", `not valid YAML: ${message}`)] };
  }
  const parsed = priceFileSchema.safeParse(data);
  if (parsed.success) return { file: parsed.data, problems: [] };
  const problems = findingsFromIssues(parsed.error.issues, data, priceFileSchema).map((f) =>
    problem(locate(doc, lines, f.path, f.atKey), formatPath(f.path), f.message, f.hint),
  );
  return {
    problems: problems.sort((a, b) => a.line - b.line || a.column - b.column),
  };
}

const PRICES_HINT =
  "give the figures in a price file (--prices FILE; see the README, Capacity and cost), or price in a region the table has (--region REGION)";

/** The prices of a region, or a UsageError that names it and the --prices option. */
export function regionPrices(table: PriceTable, region: string): RegionPrices {
  const prices = table.regions[region];
  if (prices === undefined) {
    throw new UsageError(
      `the price table has no prices for region ${region} (it has: ${Object.keys(table.regions).sort().join(", ")})`,
      PRICES_HINT,
    );
  }
  return prices;
}

/** A figure the plan needs, or a UsageError naming what is missing and where. */
export function requirePrice(price: Price | undefined, what: string, region: string): Price {
  if (price === undefined) {
    throw new UsageError(`the price table has no ${what} for region ${region}`, PRICES_HINT);
  }
  return price;
}
