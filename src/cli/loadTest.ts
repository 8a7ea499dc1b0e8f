/**
 * `hubfleet load-test FILE --hub NAME`: the class-start login burst against a running hub, with
 * test users it creates and removes through the hub's REST API (a service token, never real
 * students), refused during the hub's scheduled class sessions unless --force; a table or JSON;
 * exit 1 when a student was not served or a test user was left behind.
 */
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { describeSleep, hubTermState } from "../fleet/terms.js";
import { BurstPreflightError, type BurstProgress } from "../loadtest/burst.js";
import {
  DEFAULT_TOKEN_SOURCE,
  loadTestHub,
  parseTokenSource,
  readToken,
} from "../loadtest/hubLoadTest.js";
import { burstOk, burstTable } from "../loadtest/report.js";
import { sessionUnderWay } from "../loadtest/sessionNow.js";
import { fetchHubHttp } from "../ports/hubHttp.js";
import { durationHours } from "../vocabulary/durations.js";
import {
  addClusterOptions,
  type ClusterOptions,
  connectKube,
  kubeconfigFile,
  loadValidFleet,
} from "./cluster.js";
import type { Io } from "./io.js";
import {
  OUTPUT_OPTION,
  parseHubNames,
  parseOutputFormat,
  parseTimeout,
  writeStructured,
} from "./options.js";

/** The test-only clock: an ISO time the command takes as "now" (the schedule check). */
const NOW_ENV = "HUBFLEET_NOW";

interface LoadTestOptions extends ClusterOptions {
  hub: string;
  users: string;
  over: string;
  url?: string;
  tokenFrom?: string;
  force?: boolean;
  seed: string;
  timeout: string;
  output: string;
}

export function loadTestCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("load-test")
      .description(
        "log a class of test users in to a hub at once and measure login→ready (exit 1 if any is not served)",
      )
      .argument("<file>", "fleet file (- reads it from standard input)")
      .requiredOption("--hub <name>", "the hub to test")
      .option("--users <n>", "students in the burst", "300")
      .option("--over <duration>", "span the logins arrive over (front-loaded curve)", "8m")
      .option("--url <url>", "reach the hub at this URL instead of its public one (a port-forward)")
      .option(
        "--token-from <secret[/key]>",
        `Secret in the hub's namespace holding an API token with scopes admin:users and servers (default ${DEFAULT_TOKEN_SOURCE.secret}/${DEFAULT_TOKEN_SOURCE.key})`,
      )
      .option("--force", "run even during a scheduled class session of the hub")
      .option("--seed <n>", "seed of the arrival curve", "1")
      .option("--timeout <duration>", "how long a student waits for a ready server", "10m")
      .option(...OUTPUT_OPTION),
  ).action(async (file: string, options: LoadTestOptions) => {
    const format = parseOutputFormat(options.output);
    const users = wholeNumber("--users", options.users, 1);
    const seed = wholeNumber("--seed", options.seed, 0);
    const overHours = durationHours(options.over);
    if (overHours === undefined || overHours * 3_600_000 < 1000) {
      throw new UsageError(
        `--over ${options.over} is not a duration of at least one second`,
        "write it like 20s, 8m or 1h",
      );
    }
    const overMs = Math.round(overHours * 3_600_000);
    const readyTimeoutMs = parseTimeout(options.timeout);
    const url = options.url === undefined ? undefined : hubUrlFlag(options.url);
    const source =
      options.tokenFrom === undefined ? DEFAULT_TOKEN_SOURCE : parseTokenSource(options.tokenFrom);
    if (!source) {
      throw new UsageError(
        `--token-from ${options.tokenFrom}: expected a Secret's name, optionally with /KEY (default key "token")`,
        "e.g. --token-from load-test-token or --token-from hub-tokens/load-test",
      );
    }
    const fleet = await loadValidFleet(io, file);
    const [name] =
      parseHubNames(
        [options.hub],
        fleet.hubs.map((h) => h.name),
      ) ?? [];
    const hub = fleet.hubs.find((h) => h.name === name);
    if (!hub) throw new UsageError("--hub: give the hub to test");

    // A burst during a class would take nodes and spawn slots from real students.
    const now = clock(io);
    const term = hubTermState(hub, now);
    if (term.state === "asleep") {
      throw new UsageError(
        `hub ${hub.name} is ${describeSleep(term)}: its hub and proxy are scaled to zero, nothing would answer; nothing was done`,
        "load-test it once apply has woken it (within wakeBeforeTerm of its term's start), before the first class",
      );
    }
    const on = sessionUnderWay(hub, now);
    if (on && !options.force) {
      throw new UsageError(
        `hub ${hub.name} has a class session under way (${on.label}, ${on.session.users} users in the schedule); nothing was done`,
        "run the load test outside the hub's sessions, or pass --force if no student uses it now",
      );
    }
    if (on) io.err(`warning: running during ${hub.name}'s session ${on.label} (--force)\n`);

    const kube = connectKube(io, kubeconfigFile(io, options.kubeconfig), options.context);
    const token = await readToken(kube, hub.name, source);
    if (typeof token !== "string") {
      throw new UsageError(
        `no API token for the load test: ${token.problem}`,
        `create a JupyterHub service with scopes admin:users and servers for the hub, put its token in a Secret in namespace ${hub.name}, and pass --token-from SECRET[/KEY]`,
      );
    }

    const run = randomBytes(3).toString("hex");
    const controller = new AbortController();
    const interrupt = () => {
      io.err(
        "\ninterrupted: no more logins; removing the test users (Ctrl-C again to leave them)\n",
      );
      controller.abort();
      process.once("SIGINT", () => process.exit(130));
    };
    process.once("SIGINT", interrupt);
    if (format === "text") {
      io.err(`[${hub.name}] ${users} test users loadtest-${run}-* log in over ${options.over}\n`);
    }
    try {
      const summary = await loadTestHub({ kube, http: fetchHubHttp() }, fleet, hub, {
        users,
        overMs,
        seed,
        run,
        token,
        readyTimeoutMs,
        signal: controller.signal,
        ...(url ? { url } : {}),
        ...(format === "text" ? { onProgress: progressLine(io, hub.name) } : {}),
      });
      if (format === "text") io.out(burstTable(summary));
      else writeStructured(io, format, { ok: burstOk(summary), ...summary });
      if (!burstOk(summary)) io.setExitCode(1);
    } catch (err) {
      if (err instanceof BurstPreflightError) {
        throw new UsageError(
          `${hub.name}: ${err.message}; nothing was created`,
          `the token from ${source.secret}/${source.key} must belong to a service with scopes admin:users and servers`,
        );
      }
      throw err;
    } finally {
      process.removeListener("SIGINT", interrupt);
    }
  });
}

function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} ${text} is not a whole number >= ${min}`);
  }
  return n;
}

function hubUrlFlag(text: string): string {
  if (!/^https?:\/\/[^/]/.test(text)) {
    throw new UsageError(
      `--url ${text}: expected a URL such as http://127.0.0.1:8000/stat101/`,
      "the URL is where the hub's proxy answers, with the hub's base path",
    );
  }
  return text.endsWith("/") ? text : `${text}/`;
}

function clock(io: Io): Date {
  const text = io.env[NOW_ENV];
  if (text === undefined || text === "") return new Date();
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new UsageError(`${NOW_ENV}=${text} is not an ISO time`);
  return at;
}

/** A progress line on stderr at most every two seconds, and at each phase change. */
function progressLine(io: Io, hub: string) {
  let last = 0;
  let phase = "";
  return (p: BurstProgress) => {
    const t = Date.now();
    if (p.phase === phase && t - last < 2000) return;
    last = t;
    phase = p.phase;
    const text =
      p.phase === "burst"
        ? `${p.loggedIn} logged in, ${p.ready} ready, ${p.failed} failed, ${p.throttled429} 429s`
        : p.phase === "cleanup"
          ? `removing test users: ${p.removed} removed`
          : `done: ${p.removed} test users removed`;
    io.err(`[${hub}] ${text}\n`);
  };
}
