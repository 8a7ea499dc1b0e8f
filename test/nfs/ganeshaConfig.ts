/**
 * Reads the Ganesha configuration hubfleet renders and adapts it for a test server on this
 * machine: only paths and client addresses change, and every change is listed (the test prints
 * the list, test/nfs/README.md explains it).
 */

/** One `NAME { key = value; ... }` block of a Ganesha configuration. */
export interface GaneshaBlock {
  readonly name: string;
  readonly params: ReadonlyMap<string, string>;
  readonly blocks: readonly GaneshaBlock[];
}

/** Ganesha's block syntax, enough for what hubfleet renders: blocks, `key = value;`, `#` comments. */
export function parseGanesha(text: string): GaneshaBlock[] {
  const tokens = text
    .replace(/#[^\n]*/g, "")
    .split(/([{};=])/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
  let at = 0;
  const block = (name: string): GaneshaBlock => {
    const params = new Map<string, string>();
    const blocks: GaneshaBlock[] = [];
    while (at < tokens.length && tokens[at] !== "}") {
      const key = tokens[at++] ?? "";
      const next = tokens[at++];
      if (next === "{") {
        blocks.push(block(key));
        at++; // the closing brace
      } else if (next === "=") {
        params.set(key.toLowerCase(), tokens[at++] ?? "");
        if (tokens[at] === ";") at++;
      } else {
        throw new Error(`ganesha.conf: expected "{" or "=" after ${key}, got ${next}`);
      }
    }
    return { name, params, blocks };
  };
  return [...block("").blocks];
}

/** How one export treats clients: its default access and squash, and the CLIENT blocks. */
export interface ExportRules {
  readonly access: string;
  readonly squash: string;
  readonly clientBlocks: ReadonlyArray<{
    readonly clients: readonly string[];
    readonly access: string;
    readonly squash: string;
  }>;
}

export function exportRules(config: readonly GaneshaBlock[]): ExportRules {
  const exports = config.filter((b) => b.name.toUpperCase() === "EXPORT");
  const only = exports[0];
  if (exports.length !== 1 || !only)
    throw new Error(`expected one EXPORT, found ${exports.length}`);
  const access = only.params.get("access_type") ?? "None";
  const squash = only.params.get("squash") ?? "Root_Squash";
  return {
    access,
    squash,
    clientBlocks: only.blocks
      .filter((b) => b.name.toUpperCase() === "CLIENT")
      .map((b) => ({
        clients: (b.params.get("clients") ?? "").split(",").map((c) => c.trim()),
        access: b.params.get("access_type") ?? access,
        squash: b.params.get("squash") ?? squash,
      })),
  };
}

/** One change made to the rendered configuration, for the test's log and the README. */
export interface Adaptation {
  readonly what: string;
  readonly rendered: string;
  readonly test: string;
  readonly why: string;
}

export interface AdaptOptions {
  /** The temporary directory served instead of the data volume at /export. */
  readonly exportPath: string;
  /** Where Ganesha keeps its NFSv4 client records (the container's /var/lib/nfs/ganesha). */
  readonly recoveryRoot: string;
  /** A loopback address for each client entry the configuration names (CIDR or address). */
  readonly clientAddress: (rendered: string) => string;
}

/**
 * The rendered configuration with the export's path, the recovery directory and the client
 * addresses replaced. Fails when the rendered text lacks what it adapts, so a changed renderer
 * cannot silently leave a production path in the test server's configuration.
 */
export function adaptGaneshaConfig(
  rendered: string,
  options: AdaptOptions,
): { config: string; adaptations: Adaptation[] } {
  const adaptations: Adaptation[] = [];
  let config = rendered.replace(
    /^(\s*Path\s*=\s*)([^;]+);/m,
    (_all, head: string, path: string) => {
      adaptations.push({
        what: "EXPORT Path",
        rendered: path,
        test: options.exportPath,
        why: "the data volume is mounted at /export in the pod; the test serves a temporary directory",
      });
      return `${head}${options.exportPath};`;
    },
  );
  if (adaptations.length !== 1) throw new Error("rendered ganesha.conf has no EXPORT Path");
  config = config.replace(/^(\s*Clients\s*=\s*)([^;]+);/gm, (_all, head: string, list: string) => {
    const mapped = list
      .split(",")
      .map((c) => c.trim())
      .map((c) => `${options.clientAddress(c)}/32`);
    adaptations.push({
      what: "CLIENT Clients",
      rendered: list.trim(),
      test: mapped.join(", "),
      why: "cluster addresses do not exist here; each rendered entry becomes a loopback address a test client connects from",
    });
    return `${head}${mapped.join(", ")};`;
  });
  if (/RecoveryRoot/i.test(config)) throw new Error("rendered ganesha.conf sets RecoveryRoot");
  const before = config;
  config = config.replace(
    /^NFSv4\s*\{\n/m,
    (open) => `${open}  RecoveryRoot = ${options.recoveryRoot};\n`,
  );
  if (config === before) throw new Error("rendered ganesha.conf has no NFSv4 block");
  adaptations.push({
    what: "NFSv4 RecoveryRoot (added)",
    rendered: "(default /var/lib/nfs/ganesha, inside the container)",
    test: options.recoveryRoot,
    why: "the default is a directory of this machine shared by every test server; each server gets its own",
  });
  return { config, adaptations };
}
