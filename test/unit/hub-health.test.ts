/** status's view of a hub's real health: its API's answer and its last check (pure parts, and the HTTP port). */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { CheckRecord } from "../../src/apply/checkRecord.js";
import { apiHealth, healthUrl, probeHubApis } from "../../src/apply/hubHealth.js";
import { type FleetStatus, hubHealthy, withHubHealth } from "../../src/apply/status.js";
import { apiCell, lastCheckCell } from "../../src/cli/status.js";
import { fetchHubHttp } from "../../src/ports/hubHttp.js";

const row = {
  hub: "stat101",
  url: "https://hubs.example.edu/stat101/",
  release: "deployed",
  chart: "jupyterhub-4.3.3",
  hubReady: true,
  proxyReady: true,
  driveReady: true,
  userServers: 0,
  placeholders: { running: 0, total: 0 },
  lastCheck: null,
};
const status: FleetStatus = { tools: [], hubs: [row], nodeGroups: [] };
const failedCheck: CheckRecord = {
  hub: "stat101",
  time: "2026-12-05T06:30:12.345Z",
  ok: false,
  durationMs: 4100,
  steps: [],
  message: "Spawn failed: pod never started",
};

describe("a hub's API health", () => {
  it("asks JupyterHub's health endpoint under the hub's URL", () => {
    assert.equal(
      healthUrl("https://hubs.example.edu/stat101/"),
      "https://hubs.example.edu/stat101/hub/health",
    );
  });
  const cases: Array<[string, Parameters<typeof apiHealth>[1], boolean, RegExp | undefined]> = [
    ["200 answers", { status: 200, text: "" }, true, undefined],
    [
      "a 503 from the ingress does not",
      { status: 503, text: "Service Unavailable\n..." },
      false,
      /^HTTP 503: Service Unavailable$/,
    ],
    ["a redirect does not", { status: 308, text: "" }, false, /^HTTP 308$/],
    ["no answer does not", new Error("ECONNREFUSED"), false, /^ECONNREFUSED$/],
  ];
  for (const [title, answer, answering, problem] of cases) {
    it(title, () => {
      const h = apiHealth("u", answer);
      assert.equal(h.answering, answering);
      if (problem) assert.match(h.problem ?? "", problem);
    });
  }
});

describe("status rows with the API and the last check", () => {
  it("shows answering, the check's time and outcome; a failed check or a silent API is unhealthy", () => {
    const withBoth = withHubHealth(
      status,
      new Map([["stat101", { url: "u", answering: false, problem: "ECONNREFUSED" }]]),
      new Map([["stat101", failedCheck]]),
    ).hubs[0];
    assert.ok(withBoth);
    assert.equal(apiCell(withBoth), "NOT ANSWERING: ECONNREFUSED");
    assert.equal(
      lastCheckCell(withBoth),
      "2026-12-05 06:30Z FAILED: Spawn failed: pod never started",
    );
    assert.deepEqual(withBoth.lastCheck, {
      time: failedCheck.time,
      ok: false,
      durationMs: 4100,
      message: failedCheck.message,
    });
    assert.equal(hubHealthy(withBoth), false);

    const fine = withHubHealth(
      status,
      new Map([["stat101", { url: "u", answering: true }]]),
      new Map([["stat101", { ...failedCheck, ok: true, message: undefined } as CheckRecord]]),
    ).hubs[0];
    assert.ok(fine);
    assert.equal(apiCell(fine), "answering");
    assert.equal(lastCheckCell(fine), "2026-12-05 06:30Z ok");
    assert.equal(hubHealthy(fine), true);

    const never = withHubHealth(
      status,
      new Map([["stat101", { url: "u", answering: true }]]),
      new Map(),
    ).hubs[0];
    assert.ok(never);
    assert.equal(lastCheckCell(never), "never");
    assert.equal(never.lastCheck, null);
    assert.equal(hubHealthy(never), true, "never checked is not a failure");
    assert.equal(hubHealthy({ ...never, api: { url: "u", answering: false } }), false);
  });
});

describe("the HTTP port (a local test server, not a hub)", () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/slow/hub/health") return; // never answers
      res.writeHead(req.url === "/ok/hub/health" ? 200 : 404).end("nope");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  it("answering, HTTP errors, silence and refusal, each with its reason", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const health = await probeHubApis(
      fetchHubHttp(),
      new Map([
        ["ok", `${base}/ok/`],
        ["missing", `${base}/missing/`],
        ["slow", `${base}/slow/`],
        ["refused", `http://127.0.0.1:${closedPort}/refused/`],
      ]),
      500,
    );
    assert.deepEqual(
      [...health].map(([hub, h]) => [hub, h.answering, h.problem]),
      [
        ["ok", true, undefined],
        ["missing", false, "HTTP 404: nope"],
        ["slow", false, "no answer within 0.5s"],
        ["refused", false, `ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${closedPort})`],
      ],
    );
  });
});
