/** `hubfleet init [FILE]`: writes a commented starter fleet file, never over an existing one. */
import { writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { starterFleet } from "../fleet/starter.js";
import type { Io } from "./io.js";

export function initCommand(program: Command, io: Io): void {
  program
    .command("init")
    .description("write a commented starter fleet file")
    .argument("[file]", "where to write it", "fleet.yaml")
    .action(async (file: string) => {
      const path = resolve(io.cwd, file);
      try {
        await writeFile(path, starterFleet(schemaReference(path)), { flag: "wx" });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EEXIST") {
          throw new UsageError(
            `${file} already exists; init never overwrites a file`,
            "choose another name, or remove the file first",
          );
        }
        throw new UsageError(`cannot write ${file}: ${code ?? String(err)}`);
      }
      io.out(
        `wrote ${relative(io.cwd, path) || file}: edit it, then run \`hubfleet validate ${file}\`\n`,
      );
    });
}

/** The schema file shipped with hubfleet, as a path relative to the new fleet file. */
function schemaReference(fleetPath: string): string {
  const schema = fileURLToPath(new URL("../../schema/fleet.schema.json", import.meta.url));
  return relative(dirname(fleetPath), schema).split("\\").join("/");
}
