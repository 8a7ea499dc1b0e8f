/**
 * `hubfleet check`'s pure parts: what apply renders for it (the service, its least-privilege
 * role, its token from the hub Secret), how JupyterHub's answers become messages, the event
 * stream split, the table and JSON, and the order of calls (cleanup after any failure) against a
 * port that replays JupyterHub's answers. The real hub runs in test/integration/real-hub.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CheckRecord } from "../../src/apply/checkRecord.js";
import { checkFleet } from "../../src/check/fleetCheck.js";
import { CHECK_STEPS, runHubCheck } from "../../src/check/hubCheck.js";
import { hubMessage, progressOutcome } from "../../src/check/messages.js";
import { checkJson, checkTable } from "../../src/cli/check.js";
import { parseTimeout as parseReadyTimeout } from "../../src/cli/options.js";
import { UsageError } from "../../src/errors.js";
import {
  type HubHttpPort,
  type HubHttpRequest,
  type HubHttpResponse,
  splitEvents,
} from "../../src/ports/hubHttp.js";
import type { KubePort } from "../../src/ports/kube.js";
import { hubRoute } from "../../src/render/hub/routing.js";
import {
  CHECK_SERVICE,
  CHECK_TOKEN_KEY,
  CHECK_USER,
  HUB_SECRET,
  HUB_SECRET_VALUES,
  renderHubValues,
} from "../../src/render/hub/values.js";
import { renderFleet } from "../../src/render/index.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { findUnknownZ2jhKeys } from "../../src/vocabulary/z2jhKeys.js";
import { exampleFleet } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: reading rendered values
type Any = any;

describe("what apply renders for check", () => {
  const fleet = exampleFleet();
  const hub = fleet.hubs[0];
  assert.ok(hub);
  const values = renderHubValues(hub, hubRoute(fleet, hub)) as Any;

  it("a service whose role reaches only the test user: create/delete it, its server, its proxy route", () => {
    assert.deepEqual(values.hub.services[CHECK_SERVICE], { name: CHECK_SERVICE });
    assert.deepEqual(values.hub.loadRoles[CHECK_SERVICE], {
      description: "hubfleet check: starts and removes a test user's server",
      scopes: [
        `admin:users!user=${CHECK_USER}`,
        `servers!user=${CHECK_USER}`,
        `access:servers!user=${CHECK_USER}`,
      ],
      services: [CHECK_SERVICE],
    });
    assert.notEqual(CHECK_USER, CHECK_SERVICE, "JupyterHub refuses a token deleting its own name");
    assert.deepEqual(findUnknownZ2jhKeys(values), []);
  });

  it("its token: a generated key of the hub Secret, filled in by apply, never rendered", () => {
    assert.ok(
      HUB_SECRET_VALUES.some(
        (v) =>
          v.secretName === HUB_SECRET &&
          v.key === CHECK_TOKEN_KEY &&
          v.valuePath.join(".") === `hub.services.${CHECK_SERVICE}.apiToken`,
      ),
    );
    assert.equal(values.hub.services[CHECK_SERVICE].apiToken, undefined);
    const request = renderFleet(fleet).secrets.find(
      (s) => s.name === HUB_SECRET && s.namespace === hub.name,
    );
    assert.equal(request?.type, "generated");
    assert.ok(request?.keys.includes(CHECK_TOKEN_KEY));
  });
});

describe("JupyterHub's answers in words", () => {
  const CASES: Array<[number, string, string]> = [
    [
      403,
      '{"status": 403, "message": "Action is not authorized"}',
      "HTTP 403: Action is not authorized",
    ],
    [500, '{"status": 500, "message": "Internal Server Error"}', "HTTP 500: Internal Server Error"],
    [502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "HTTP 502: 502 Bad Gateway"],
    [404, "", "HTTP 404"],
  ];
  for (const [status, text, expected] of CASES) {
    it(`${status} ${text.slice(0, 30)} → ${expected}`, () => {
      assert.equal(hubMessage(status, text), expected);
    });
  }

  it("progress events: progress, ready, failed with the spawn's message", () => {
    assert.deepEqual(progressOutcome('{"progress": 50, "message": "Pod scheduled"}'), {
      kind: "progress",
      message: "Pod scheduled",
    });
    assert.deepEqual(progressOutcome('{"progress": 100, "ready": true, "message": "ready"}'), {
      kind: "ready",
      message: "ready",
    });
    assert.deepEqual(
      progressOutcome('{"progress": 100, "failed": true, "message": "Spawn failed: x"}'),
      {
        kind: "failed",
        message: "Spawn failed: x",
      },
    );
    assert.deepEqual(progressOutcome("not json"), { kind: "progress" });
  });

  it("splits a text/event-stream into events' data, keeping an unfinished one", () => {
    assert.deepEqual(splitEvents('data: {"a":1}\n\n:comment\n\ndata: {"b"'), {
      data: ['{"a":1}'],
      rest: 'data: {"b"',
    });
    assert.deepEqual(splitEvents("data: one\r\ndata: two\r\n\r\n").data, ["one\ntwo"]);
  });
});

/** A port answering from a script of (method path → answers), recording the calls. */
function scripted(answers: Record<string, HubHttpResponse[]>, events: string[] = []) {
  const calls: string[] = [];
  const port: HubHttpPort = {
    async request(r: HubHttpRequest) {
      const key = `${r.method} ${r.url.replace("http://hub/h/", "")}`;
      calls.push(key);
      const queue = answers[key];
      const answer = queue && queue.length > 1 ? queue.shift() : queue?.[0];
      if (!answer) throw new Error(`unexpected ${key}`);
      return answer;
    },
    async events(r, onEvent) {
      calls.push(`EVENTS ${r.url.replace("http://hub/h/", "")}`);
      for (const e of events) if (onEvent(e)) return { ended: "done", status: 200 };
      return { ended: "closed", status: 200 };
    },
  };
  return { port, calls };
}

const ok = (status: number, body: unknown = {}): HubHttpResponse => ({
  status,
  text: JSON.stringify(body),
});
const U = `hub/api/users/${CHECK_USER}`;
const input = {
  hub: "h",
  url: "http://hub/h/",
  token: "t",
  user: CHECK_USER,
  readyTimeoutMs: 5_000,
  sleep: async () => {},
};

describe("runHubCheck, against replayed answers", () => {
  it("a healthy hub: every step, in order, the user removed at the end", async () => {
    const { port, calls } = scripted(
      {
        "GET hub/api/": [ok(200, { version: "5.4.4" })],
        [`GET ${U}`]: [
          ok(404),
          ok(200, { servers: { "": { ready: true } } }),
          ok(200, { servers: {} }),
        ],
        [`POST ${U}`]: [ok(201)],
        [`POST ${U}/server`]: [ok(202)],
        [`GET user/${CHECK_USER}/api`]: [ok(200, { version: "2.0" })],
        [`DELETE ${U}/server`]: [ok(202)],
        [`DELETE ${U}`]: [ok(204)],
      },
      ['{"progress": 50}', '{"progress": 100, "ready": true}'],
    );
    const record = await runHubCheck(port, input);
    assert.equal(record.ok, true, JSON.stringify(record));
    assert.deepEqual(
      record.steps.map((s) => s.name),
      [...CHECK_STEPS],
    );
    assert.equal(calls[calls.length - 1], `DELETE ${U}`);
  });

  it("a failed spawn: JupyterHub's message with the last event, then stop and delete anyway", async () => {
    const { port, calls } = scripted(
      {
        "GET hub/api/": [ok(200)],
        [`GET ${U}`]: [ok(404), ok(200, { servers: {} })],
        [`POST ${U}`]: [ok(201)],
        [`POST ${U}/server`]: [ok(202)],
        [`DELETE ${U}/server`]: [ok(400, { message: "not running" })],
        [`DELETE ${U}`]: [ok(204)],
      },
      [
        '{"progress": 50, "message": "0/4 nodes are available: 2 Insufficient memory"}',
        '{"progress": 100, "failed": true, "message": "Spawn failed: "}',
      ],
    );
    const record = await runHubCheck(port, input);
    assert.equal(record.ok, false);
    assert.equal(
      record.message,
      "server ready: Spawn failed (last event: 0/4 nodes are available: 2 Insufficient memory)",
    );
    assert.deepEqual(
      record.steps.map((s) => [s.name, s.ok]),
      [
        ["hub answers", true],
        ["create test user", true],
        ["start server", true],
        ["server ready", false],
        ["stop server", true],
        ["delete test user", true],
      ],
    );
    assert.ok(calls.includes(`DELETE ${U}`));
  });

  it("a user left by a killed check is removed before the new one is created", async () => {
    const { port, calls } = scripted({
      "GET hub/api/": [ok(200)],
      [`GET ${U}`]: [ok(200, { servers: {} }), ok(200, { servers: {} })],
      [`DELETE ${U}/server`]: [ok(400, { message: "not running" })],
      [`DELETE ${U}`]: [ok(204)],
      [`POST ${U}`]: [ok(403, { message: "Action is not authorized" })],
    });
    const record = await runHubCheck(port, input);
    assert.deepEqual(calls.slice(0, 5), [
      "GET hub/api/",
      `GET ${U}`,
      `DELETE ${U}/server`,
      `DELETE ${U}`,
      `POST ${U}`,
    ]);
    assert.equal(
      record.message,
      "create test user: creating the test user: HTTP 403: Action is not authorized",
    );
    // Nothing was created, so nothing to clean up.
    assert.equal(record.steps.length, 2);
  });

  it("a hub that does not answer: one failed step, nothing else attempted", async () => {
    const { port, calls } = scripted({
      "GET hub/api/": [ok(503, { message: "Service Unavailable" })],
    });
    const record = await runHubCheck(port, input);
    assert.deepEqual(calls, ["GET hub/api/"]);
    assert.equal(record.message, "hub answers: the hub's API: HTTP 503: Service Unavailable");
  });
});

describe("checkFleet", () => {
  it("a hub without the check's token fails with what to do, calls no hub, and its record is still written", async () => {
    const applied: KubeObject[] = [];
    const kube = {
      server: "test",
      get: async () => undefined,
      apply: async (o: KubeObject) => {
        applied.push(o);
        return o;
      },
    } as unknown as KubePort;
    const { port, calls } = scripted({});
    const fleet = exampleFleet();
    const result = await checkFleet({ kube, http: port }, fleet, { hubs: ["cs480"] });
    assert.deepEqual(calls, []);
    assert.equal(result.records.length, 1);
    assert.equal(result.records[0]?.ok, false);
    assert.match(
      result.records[0]?.message ?? "",
      /Secret cs480\/hubfleet-hub-secrets has no check-token: run hubfleet apply/,
    );
    assert.deepEqual(
      applied.map((o) => [o.kind, o.metadata.namespace, o.metadata.name]),
      [["ConfigMap", "cs480", "hubfleet-check"]],
    );
  });
});

describe("output", () => {
  const passed: CheckRecord = {
    hub: "stat101",
    time: "2026-12-05T06:00:00.000Z",
    ok: true,
    durationMs: 1234,
    steps: CHECK_STEPS.map((name) => ({ name, ok: true, durationMs: 10 })),
  };
  const failed: CheckRecord = {
    hub: "cs480",
    time: "2026-12-05T06:00:00.000Z",
    ok: false,
    durationMs: 20,
    steps: [],
    message: "Secret cs480/hubfleet-hub-secrets has no check-token",
  };

  it("JSON: ok, and every hub's record as status will read it", () => {
    const json = checkJson({ records: [passed, failed], recordErrors: [] });
    assert.deepEqual(Object.keys(json), ["ok", "hubs"]);
    assert.equal(json.ok, false);
    assert.deepEqual(json.hubs, [passed, failed]);
  });

  it("table: a row per step with its time, the failure's message, a summary", () => {
    const table = checkTable({ records: [passed, failed], recordErrors: [] });
    assert.match(table, /^stat101 +hub answers +0\.01 s +ok$/m);
    assert.match(table, /^stat101 +\(check\) +1\.23 s +ok$/m);
    assert.match(table, /^cs480 +\(check\) +0\.02 s +FAILED: Secret cs480\/hubfleet-hub-secrets/m);
    assert.match(table, /1 of 2 hub\(s\) passed\n$/);
  });

  it("--timeout takes a Go duration of a second or more", () => {
    assert.equal(parseReadyTimeout("90s"), 90_000);
    assert.equal(parseReadyTimeout("5m"), 300_000);
    assert.throws(() => parseReadyTimeout("5"), UsageError);
    assert.throws(() => parseReadyTimeout("10ms"), UsageError);
  });
});
