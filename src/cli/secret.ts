/**
 * `hubfleet secret set HUB NAME -f FILE --from-literal KEY=VALUE | --from-file KEY=PATH`:
 * provides a Secret a hub references, in the hub's namespace, or (HUB = cluster-tools) one the
 * cluster tools reference, such as the alert receivers' credentials. Never prints a value.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { setHubSecret } from "../apply/hubSecret.js";
import { UsageError } from "../errors.js";
import { referencedSecrets } from "../render/hub/index.js";
import { renderTools } from "../render/tools/index.js";
import { TOOLS_NAMESPACE } from "../vocabulary/namespaces.js";
import { addClusterOptions, type ClusterOptions, connect, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";
import { parseHubNames } from "./options.js";

const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/** KEY=VALUE pairs, checked: a key as Kubernetes allows it, each key once. */
export function parseKeyValues(
  pairs: readonly string[],
  option: string,
): Array<[key: string, value: string]> {
  return pairs.map((pair) => {
    const at = pair.indexOf("=");
    const key = pair.slice(0, at);
    if (at <= 0 || !/^[-._a-zA-Z0-9]+$/.test(key)) {
      throw new UsageError(
        `${option}: expected KEY=VALUE with a key of letters, digits, '-', '_' or '.' (got "${at <= 0 ? "no KEY=" : key}")`,
        `e.g. ${option} client-secret=...`,
      );
    }
    return [key, pair.slice(at + 1)];
  });
}

export function secretCommand(program: Command, io: Io): void {
  const secret = program
    .command("secret")
    .description(
      "provide the Secrets a hub references (OAuth client secret, TLS certificate) or the cluster tools do (alert receivers)",
    );
  addClusterOptions(
    secret
      .command("set")
      .description("create or update a Secret in a hub's namespace (values are never printed)")
      .argument(
        "<hub>",
        `hub name, or ${TOOLS_NAMESPACE} for a cluster tool's Secret (alert receivers)`,
      )
      .argument("<name>", "Secret name, as the fleet file references it")
      .requiredOption("-f, --file <fleet>", "fleet file")
      .option("--from-literal <key=value>", "a key and its value (repeatable)", repeatable)
      .option(
        "--from-file <key=path>",
        "a key and the file holding its value, e.g. tls.crt=cert.pem (repeatable)",
        repeatable,
      ),
  ).action(
    async (
      hub: string,
      name: string,
      options: ClusterOptions & { file: string; fromLiteral?: string[]; fromFile?: string[] },
    ) => {
      const fleet = await loadValidFleet(io, options.file);
      // The cluster tools' namespace is never a hub's (a reserved name).
      const forTools = hub === TOOLS_NAMESPACE;
      if (!forTools) {
        parseHubNames(
          [hub],
          fleet.hubs.map((h) => h.name),
          "hub",
        );
      }
      const literals = parseKeyValues(options.fromLiteral ?? [], "--from-literal");
      const files = parseKeyValues(options.fromFile ?? [], "--from-file");
      const keys = [...literals, ...files].map(([k]) => k);
      if (keys.length === 0) {
        throw new UsageError(
          "nothing to set: give --from-literal KEY=VALUE or --from-file KEY=PATH",
          `e.g. hubfleet secret set ${hub} ${name} -f ${options.file} --from-literal client-secret=...`,
        );
      }
      const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
      if (twice.length > 0) throw new UsageError(`key ${twice.join(", ")} given more than once`);
      const values: Record<string, string> = Object.fromEntries(literals);
      for (const [key, path] of files) {
        values[key] = await readFile(resolve(io.cwd, path), "utf8").catch((err: unknown) => {
          throw new UsageError(
            `--from-file ${key}=${path}: cannot read it (${err instanceof Error ? err.message : String(err)})`,
          );
        });
      }
      const hubModel = fleet.hubs.find((h) => h.name === hub);
      const referenced = forTools
        ? renderTools(fleet).flatMap((t) =>
            t.secrets
              .filter((s) => s.type === "external" && s.namespace === TOOLS_NAMESPACE)
              .map((s) => ({ ...s, tool: t.name })),
          )
        : hubModel
          ? referencedSecrets(fleet, hubModel)
          : [];
      const wanted = referenced.find((s) => s.name === name);
      if (!wanted) {
        io.err(
          `warning: ${forTools ? "the cluster tools do" : `hub ${hub} does`} not reference a Secret named ${name} (${forTools ? "they reference" : "it references"}: ${referenced.map((s) => s.name).join(", ") || "none"}); setting it anyway\n`,
        );
      }
      const { kube } = connect(io, options);
      const tool = forTools ? (wanted?.tool ?? TOOLS_NAMESPACE) : undefined;
      const result = await setHubSecret(kube, fleet, { hub, name, values, tool });
      io.out(
        `${result.created ? "created" : "updated"} Secret ${result.namespace}/${result.name}: set ${result.keys.join(", ")} (values not shown)\n`,
      );
      const missing = (wanted?.keys ?? []).filter((k) => !result.keys.includes(k));
      if (missing.length > 0 && result.created) {
        io.err(`warning: the hub also needs key ${missing.join(", ")} in this Secret\n`);
      }
    },
  );
}
