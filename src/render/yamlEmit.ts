/**
 * A small block-style YAML emitter for plain data (what renderers produce: maps, lists,
 * strings, numbers, booleans, null). It exists for speed — the general `yaml` library builds a
 * document tree first and took most of a 500-hub render — and for safety: a string is written
 * plain only when no YAML 1.1 or 1.2 reader (Go's yaml.v2/v3 in helm, kubectl, eksctl) can take
 * it for anything else; everything else is double-quoted, and multi-line text is a literal block.
 */

/** Words YAML 1.1 reads as booleans or null (yaml.v2 still does: `on`, `y`, `no`, ...). */
const RESERVED_WORDS = new Set([
  "y",
  "n",
  "yes",
  "no",
  "true",
  "false",
  "on",
  "off",
  "null",
  "~",
  ".inf",
  "-.inf",
  "+.inf",
  ".nan",
]);

/** Characters a plain scalar may hold here (a conservative subset of what YAML allows). */
const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./@%+=:,~-]*(?: [A-Za-z0-9_./@%+=:,~()-]+)*$/;
/**
 * Anything starting like a number, a date, a time or a sexagesimal is quoted — and "E0"-like
 * words, which one YAML 1.1 reader (the `yaml` package) takes for a float.
 */
const NUMBER_LIKE = /^[-+.]?[0-9]|^(?=.*[0-9.])[-+0-9._eE]+$/;

function isPlainSafe(s: string): boolean {
  // The same keys and label values recur in every hub: remember the verdicts (bounded).
  const known = plainVerdicts.get(s);
  if (known !== undefined) return known;
  const verdict =
    PLAIN.test(s) &&
    !NUMBER_LIKE.test(s) &&
    !RESERVED_WORDS.has(s.toLowerCase()) &&
    !/:( |$)/.test(s) &&
    !s.startsWith("<<");
  if (plainVerdicts.size >= 100_000) plainVerdicts.clear();
  plainVerdicts.set(s, verdict);
  return verdict;
}

const plainVerdicts = new Map<string, boolean>();

/** JSON's escapes are valid YAML double-quoted escapes; YAML also breaks lines at NEL, LS, PS. */
function doubleQuoted(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Control characters (but tab and line feed), NEL, LS, PS and BOM: never written raw. */
const UNPRINTABLE = "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029\\ufeff";
/** Characters only a double-quoted scalar can carry (as escapes). */
const CONTROL = new RegExp(`[${UNPRINTABLE}\\t]`);
const NOT_IN_LITERAL = new RegExp(`[${UNPRINTABLE}]`);

/** Multi-line text that reads back exactly from a literal block (else it is double-quoted). */
function literalBlockable(s: string): boolean {
  return (
    s.includes("\n") &&
    !s.startsWith(" ") &&
    !s.startsWith("\n") &&
    // Only printable characters, tabs and line feeds: no CR, no other controls, no NEL/LS/PS/BOM.
    !NOT_IN_LITERAL.test(s)
  );
}

function scalar(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return ".nan";
    if (!Number.isFinite(value)) return value > 0 ? ".inf" : "-.inf";
    return String(value);
  }
  if (typeof value === "string") {
    if (isPlainSafe(value)) return value;
    // JSON inside a string reads better single-quoted (no escapes there but '' for ').
    if (/["\\]/.test(value) && !CONTROL.test(value) && !value.includes("\n")) {
      return `'${value.replaceAll("'", "''")}'`;
    }
    return doubleQuoted(value);
  }
  throw new Error(`cannot write a ${typeof value} as YAML`);
}

function literal(s: string, indent: string): string {
  const trailing = s.length - s.replace(/\n+$/, "").length;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing === 0 ? s : s.slice(0, s.length - trailing);
  const lines = body.split("\n").map((line) => (line === "" ? "" : `${indent}${line}`));
  // Keep-chomping: the extra trailing line breaks are written as empty lines.
  const extra = trailing > 1 ? "\n".repeat(trailing - 1) : "";
  return `|${chomp}\n${lines.join("\n")}\n${extra}`;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * `value` written after a "key:" or "- " that sits at `indent`: inline for scalars and empty
 * collections, on the following lines for the rest. Always ends with a line break.
 */
function after(value: unknown, indent: string): string {
  if (typeof value === "string" && literalBlockable(value)) {
    return ` ${literal(value, `${indent}  `)}`;
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? " []\n" : `\n${seq(value, `${indent}  `)}`;
  }
  if (isMap(value)) {
    return Object.keys(value).length === 0 ? " {}\n" : `\n${map(value, `${indent}  `)}`;
  }
  return ` ${scalar(value)}\n`;
}

function map(value: Record<string, unknown>, indent: string): string {
  let out = "";
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out += `${indent}${scalar(key)}:${after(v, indent)}`;
  }
  return out;
}

function seq(value: readonly unknown[], indent: string): string {
  let out = "";
  for (const item of value) {
    if (isMap(item) && Object.keys(item).length > 0) {
      // "- " then the map's first key on the same line, the others under it.
      const inner = map(item, `${indent}  `);
      out += `${indent}- ${inner.slice(indent.length + 2)}`;
    } else if (Array.isArray(item) && item.length > 0) {
      const inner = seq(item, `${indent}  `);
      out += `${indent}- ${inner.slice(indent.length + 2)}`;
    } else {
      out += `${indent}-${after(item, indent)}`;
    }
  }
  return out;
}

/** One YAML document (no "---"), ending with a line break. */
export function emitYaml(value: unknown): string {
  if (isMap(value)) return Object.keys(value).length === 0 ? "{}\n" : map(value, "");
  if (Array.isArray(value)) return value.length === 0 ? "[]\n" : seq(value, "");
  if (typeof value === "string" && literalBlockable(value)) return literal(value, "  ");
  return `${scalar(value)}\n`;
}
