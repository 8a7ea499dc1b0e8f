/**
 * From text to a checked fleet: YAML (with positions), schema, defaults, cross-field checks.
 * `parseFleet` is pure; `loadFleetFile` is the thin edge that reads files.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Document, isCollection, LineCounter, parseAllDocuments, visit } from "yaml";
import { locate } from "./locate.js";
import { buildModel, type FleetModel } from "./model.js";
import { parsedPart } from "./partial.js";
import { type FieldPath, type Finding, formatPath, type Problem } from "./problems.js";
import { fleetSchema } from "./schema.js";
import { findingsFromIssues } from "./schemaIssues.js";
import { checkTlsFiles } from "./tlsFiles.js";
import { checkFleet } from "./validate.js";

export interface LoadResult {
  /** Present when the file has no errors (warnings may remain). */
  readonly fleet?: FleetModel;
  readonly problems: readonly Problem[];
}

/** Checks a fleet that are not about its text (e.g. files it names exist). */
export type ExtraCheck = (fleet: FleetModel) => readonly Finding[];

export function parseFleet(
  text: string,
  file: string,
  extraChecks: readonly Finding[] | ExtraCheck = [],
): LoadResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const at = (
    severity: Problem["severity"],
    offset: number,
    message: string,
    hint?: string,
  ): Problem => {
    const pos = lines.linePos(offset);
    return {
      severity,
      file,
      line: pos.line,
      column: pos.col,
      path: "",
      message,
      ...(hint ? { hint } : {}),
    };
  };
  if (!Array.isArray(docs)) {
    return { problems: [at("error", 0, "is not a YAML stream")] };
  }
  const yamlErrors = docs.flatMap((doc) => doc.errors);
  if (yamlErrors.length > 0) {
    return {
      problems: yamlErrors.map((e) =>
        at(
          "error",
          e.pos[0],
          `not valid YAML: ${firstLine(e.message)}`,
          "fix the YAML syntax (indentation, quotes, colons)",
        ),
      ),
    };
  }
  const [doc, ...rest] = docs;
  if (rest.length > 0) {
    return {
      problems: [
        at(
          "error",
          rest[0]?.range[0] ?? 0,
          "holds more than one YAML document",
          "keep one fleet per file",
        ),
      ],
    };
  }
  const complexKey = firstCollectionKey(doc);
  if (complexKey !== undefined) {
    return {
      problems: [
        at(
          "error",
          complexKey,
          "not valid here: a mapping key that is itself a list or a mapping",
          "keys are plain names (e.g. `name:`); remove the `?` key or the brackets around it",
        ),
      ],
    };
  }
  let input: unknown;
  try {
    input = doc?.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Aliases are resolved only here: one whose anchor is missing, or too many of them.
    const message = err instanceof Error ? firstLine(err.message) : String(err);
    const alias = /alias\): (.+)$/.exec(message)?.[1];
    const offset = alias ? Math.max(0, text.indexOf(`*${alias}`)) : 0;
    return {
      problems: [
        at(
          "error",
          offset,
          `not valid YAML: ${message}`,
          alias
            ? `define the anchor &${alias} before *${alias} uses it, or write the value out`
            : "write the values out instead of repeating aliases",
        ),
      ],
    };
  }
  if (doc === undefined || input === null || input === undefined) {
    return {
      problems: [at("error", 0, "is empty", "run `hubfleet init` to write a starter fleet file")],
    };
  }
  if (typeof input !== "object" || Array.isArray(input)) {
    return {
      problems: [
        at("error", 0, "must be a mapping with apiVersion, kind, cluster, domain and hubs"),
      ],
    };
  }
  const place = (finding: Finding): Problem => {
    const pos = locate(doc, lines, finding.path, finding.atKey);
    return {
      severity: finding.severity,
      file,
      line: pos.line,
      column: pos.column,
      path: formatPath(finding.path),
      message: finding.seeAlso
        ? `${finding.message} (line ${locate(doc, lines, finding.seeAlso).line})`
        : finding.message,
      ...(finding.hint ? { hint: finding.hint } : {}),
    };
  };
  const parsed = fleetSchema.safeParse(input);
  if (!parsed.success) {
    // The cross-field checks still run on what parsed, so one run reports every problem.
    const part = parsedPart(input as Record<string, unknown>, parsed.error.issues);
    const crossField = part ? checkFleet(buildModel(part.spec), part.broken) : [];
    return {
      problems: sortProblems(
        [...findingsFromIssues(parsed.error.issues, input, fleetSchema), ...crossField].map(place),
      ),
    };
  }
  const fleet = buildModel(parsed.data);
  const extra = typeof extraChecks === "function" ? extraChecks(fleet) : extraChecks;
  const problems = sortProblems([...checkFleet(fleet), ...extra].map(place));
  return problems.some((p) => p.severity === "error") ? { problems } : { fleet, problems };
}

/**
 * Reads and checks a fleet file, and the files it names: that they exist and, for the TLS
 * certificate and key, that they are usable. Never throws for bad input.
 */
export async function loadFleetFile(
  path: string,
  options: {
    readonly now?: Date;
    /** The file's text when it was read elsewhere (standard input); `path` then only names it. */
    readonly text?: string;
    /** Where files the fleet names are looked up; default: the fleet file's folder. */
    readonly baseDir?: string;
    /**
     * Checks from layers above the fleet's, run on a fleet with no errors of its own (validate
     * passes the capacity model's: whether the fleet can run on its node groups).
     */
    readonly extraChecks?: ExtraCheck;
  } = {},
): Promise<LoadResult> {
  let text: string;
  try {
    text = options.text ?? (await readFile(path, "utf8"));
  } catch (err) {
    return { problems: [fileProblem(path, err)] };
  }
  const first = parseFleet(text, path);
  if (!first.fleet) return first;
  const baseDir = options.baseDir ?? dirname(resolve(path));
  const findings = [
    ...(await referencedFileFindings(first.fleet, baseDir, options.now ?? new Date())),
    ...(options.extraChecks?.(first.fleet) ?? []),
  ];
  return findings.length === 0 ? first : parseFleet(text, path, findings);
}

/** Files a fleet names (TLS certificate and key), resolved against the fleet file's folder. */
export function referencedFiles(fleet: FleetModel): Array<{ path: FieldPath; file: string }> {
  const tls = fleet.domain.tls;
  const out: Array<{ path: FieldPath; file: string }> = [];
  if (tls?.certFile) out.push({ path: ["domain", "tls", "certFile"], file: tls.certFile });
  if (tls?.keyFile) out.push({ path: ["domain", "tls", "keyFile"], file: tls.keyFile });
  return out;
}

async function referencedFileFindings(
  fleet: FleetModel,
  baseDir: string,
  now: Date,
): Promise<Finding[]> {
  const refs = referencedFiles(fleet);
  const contents = await Promise.all(
    refs.map((ref) => readFile(resolve(baseDir, ref.file)).catch(() => undefined)),
  );
  const missing = refs
    .filter((_, i) => contents[i] === undefined)
    .map(
      (ref): Finding => ({
        severity: "error",
        path: ref.path,
        message: `file "${ref.file}" cannot be read`,
        hint: "paths are relative to the fleet file's folder",
      }),
    );
  if (missing.length > 0) return missing;
  // referencedFiles lists the certificate before the key.
  const tls = fleet.domain.tls;
  const [cert, key] = contents;
  if (!tls?.certFile || !tls.keyFile || !cert || !key) return [];
  return checkTlsFiles(fleet, { certFile: tls.certFile, cert, keyFile: tls.keyFile, key }, now);
}

function fileProblem(path: string, err: unknown): Problem {
  const code = (err as NodeJS.ErrnoException).code;
  const message =
    code === "ENOENT"
      ? "file not found"
      : code === "EISDIR"
        ? "is a directory, not a fleet file"
        : code === "EACCES"
          ? "permission denied"
          : `cannot be read (${code ?? String(err)})`;
  return {
    severity: "error",
    file: path,
    line: 0,
    column: 0,
    path: "",
    message,
    ...(code === "ENOENT" ? { hint: "check the path, or run `hubfleet init` to write one" } : {}),
  };
}

/** Offset of the first mapping key that is a list or a mapping (YAML allows it; JSON cannot). */
function firstCollectionKey(doc: Document | undefined): number | undefined {
  if (!doc) return undefined;
  let found: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        found = pair.key.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/** In file order; a problem several hubs inherit from hubDefaults is reported once. */
function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.severity}|${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path),
  );
}
