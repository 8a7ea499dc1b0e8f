/** Shared test helpers: the example fleet, edited copies of it, and the CLI in-process. */
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { type Document, parseDocument } from "yaml";
import { bufferIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { parseFleet } from "../src/fleet/load.js";
import type { FleetModel } from "../src/fleet/model.js";

export const REPO = fileURLToPath(new URL("..", import.meta.url));

/**
 * The instant apply's change freeze reads in every test (and CLI the tests start): a Saturday
 * noon in Los Angeles, outside every class of the example fleet, so that no test depends on the
 * hour it runs at. Tests of the freeze pass their own clock.
 */
process.env.HUBFLEET_NOW ??= "2026-12-05T20:00:00Z";
export const EXAMPLE = fileURLToPath(new URL("../examples/fleet.yaml", import.meta.url));
export const exampleText = readFileSync(EXAMPLE, "utf8");

/** The example fleet's text after an edit through the YAML document API. */
export function editedExample(edit: (doc: Document) => void): string {
  const doc = parseDocument(exampleText);
  edit(doc);
  return doc.toString();
}

/**
 * Sets the cluster's zones, and a placeholder pod subnet for each (the example names one per
 * zone for VPC CNI custom networking, and validate wants exactly the cluster's zones).
 */
export function setZones(doc: Document, zones: readonly string[]): void {
  doc.setIn(["cluster", "availabilityZones"], doc.createNode([...zones]));
  const subnets = Object.fromEntries(
    zones.map((zone, i) => [zone, `subnet-0b00000000000000${i.toString(16)}`]),
  );
  doc.setIn(["cluster", "podSubnets"], doc.createNode(subnets));
}

export function fleetFrom(text: string): FleetModel {
  const result = parseFleet(text, "fleet.yaml");
  if (!result.fleet) {
    throw new Error(
      `fleet has errors:\n${result.problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`,
    );
  }
  return result.fleet;
}

export const exampleFleet = (): FleetModel => fleetFrom(exampleText);

/** The bucket the backup tests put in the example (a name no real account uses). */
export const TEST_BUCKET = "jhfleet-backups-test";

/** The example with backups to TEST_BUCKET, after an optional edit. */
export const backupFleet = (edit: (doc: Document) => void = () => {}): FleetModel =>
  fleetFrom(
    editedExample((doc) => {
      doc.setIn(["tools", "backups", "bucket"], TEST_BUCKET);
      edit(doc);
    }),
  );

/**
 * The CLI in-process: `stdin` is what a fleet file `-` reads; `env` replaces process.env for
 * what the CLI itself reads (KUBECONFIG, HOME, NO_COLOR), so a test need not change the process's.
 */
export async function runCli(
  args: string[],
  cwd = REPO,
  options: { stdin?: string; env?: Record<string, string | undefined> } = {},
) {
  const io = bufferIo(cwd, options);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Two terms for the terms tests: fall-2026 and spring-2027. */
export const TEST_TERMS = [
  { name: "fall-2026", start: "2026-08-24", end: "2026-12-18" },
  { name: "spring-2027", start: "2027-01-19", end: "2027-05-08" },
];

/** The example fleet with TEST_TERMS and `terms` set per path (["hubs", 0, "term"] → "fall-2026"). */
export function termFleet(terms: ReadonlyArray<readonly [unknown[], unknown]>): FleetModel {
  return fleetFrom(
    editedExample((doc) => {
      doc.setIn(["terms"], doc.createNode(TEST_TERMS));
      for (const [path, value] of terms) doc.setIn(path, doc.createNode(value));
    }),
  );
}

/**
 * The machine's first non-loopback IPv4 address: the API server proxies to a pod's address but
 * never to loopback, so a process standing in for a pod listens here.
 */
export function proxyableAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find(
      (a) => a.family === "IPv4" && !a.internal && !a.address.startsWith("169.254."),
    );
    if (found) return found.address;
  }
  throw new Error("this machine has no non-loopback IPv4 address for the API server to proxy to");
}
