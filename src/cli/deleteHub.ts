/**
 * `hubfleet delete-hub NAME -f FILE`: removes a hub but keeps its data; `--purge` deletes the
 * data too, only when the hub's name is given again (`--yes-delete-data=NAME`).
 */
import type { Command } from "commander";
import { deleteHub } from "../apply/deleteHub.js";
import { UsageError } from "../errors.js";
import { addClusterOptions, type ClusterOptions, connect, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";

export function deleteHubCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("delete-hub")
      .description("remove a hub from the cluster, keeping its drive and database volumes")
      .argument("<name>", "hub name")
      .requiredOption("-f, --file <fleet>", "fleet file (the hub must no longer be in it)")
      .option("--purge", "also delete the hub's data (needs --yes-delete-data=NAME)")
      .option("--yes-delete-data <name>", "confirm --purge by giving the hub's name again"),
  ).action(
    async (
      name: string,
      options: ClusterOptions & { file: string; purge?: boolean; yesDeleteData?: string },
    ) => {
      const fleet = await loadValidFleet(io, options.file);
      if (fleet.hubs.some((h) => h.name === name)) {
        throw new UsageError(
          `hub ${name} is still in ${options.file}; the next apply would create it again`,
          `remove it from ${options.file} first (apply then prunes it, keeping its data), or run delete-hub after that`,
        );
      }
      if (options.purge && options.yesDeleteData !== name) {
        throw new UsageError(
          `--purge deletes every file of hub ${name}'s users and its database, for good`,
          `to confirm, add --yes-delete-data=${name}`,
        );
      }
      const report = await deleteHub(connect(io, options), fleet, name, {
        purge: options.purge ?? false,
        today: new Date().toISOString().slice(0, 10),
        onProgress: (line) => io.out(`${line}\n`),
      });
      for (const d of report.deleted) io.out(`deleted ${d}\n`);
      for (const k of report.kept) io.out(`kept    ${k}\n`);
      io.out(
        options.purge
          ? `hub ${name} and its data are deleted\n`
          : `hub ${name} is removed; its data is kept. Add it back to the fleet file and apply to re-attach it.\n`,
      );
    },
  );
}
