/**
 * github logins: GitHub cannot be reached from the tests, so this runs the real
 * GitHubOAuthenticator (OAuthenticator 17.4.0) on the values hubfleet renders, after the OAuth
 * code exchange, against a GITHUB API STAND-IN: a local HTTP server with recorded answers of
 * GitHub's REST API (the user, organization membership and team membership checks: 204 for
 * a member, 404 otherwise), reached as a GitHub Enterprise URL. What the authenticator decides
 * with those answers — allowed, refused, admin — is its own code (test/hub/github_checks.py).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { freePorts } from "../../sim/controlPlane.js";
import { REPO } from "../helpers.js";
import { renderedValuesWith } from "../hub/loginHub.js";
import { hubVenv } from "../hub/realHub.js";

/** Recorded membership of the stand-in's organization and team. */
const ORG = "example-university";
const TEAM = "stat101-staff";
const ORG_MEMBERS = new Set(["erin", "dana", "prof-lee"]);
const TEAM_MEMBERS = new Set(["dana"]);
const NOT_A_MEMBER = {
  message: "Not Found",
  documentation_url: "https://docs.github.com/rest/teams/members",
  status: "404",
};

let api: Server;
let apiUrl: string;
const requests: string[] = [];

function githubApiStandIn(
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
) {
  const path = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/api\/v3/, "");
  requests.push(path);
  const login = /^bearer gho_(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!login) {
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "Requires authentication", status: "401" }));
    return;
  }
  const reply = (status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  if (path === "/user") {
    return reply(200, { login, id: login.length * 1000, type: "User", name: login, email: null });
  }
  const org = /^\/orgs\/([^/]+)\/members\/([^/]+)$/.exec(path);
  if (org)
    return org[1] === ORG && ORG_MEMBERS.has(org[2] ?? "") ? reply(204) : reply(404, NOT_A_MEMBER);
  const team = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/members\/([^/]+)$/.exec(path);
  if (team) {
    const member = team[1] === ORG && team[2] === TEAM && TEAM_MEMBERS.has(team[3] ?? "");
    return member ? reply(204) : reply(404, NOT_A_MEMBER);
  }
  reply(404, { message: "Not Found" });
}

type Decision = { allowed: boolean; admin?: boolean };

/** What the real GitHubOAuthenticator decides for each login, on `authenticator` rendered. */
async function decide(authenticator: Record<string, unknown>, logins: string[]) {
  const values = renderedValuesWith(authenticator);
  const file = join(tmpdir(), `hubfleet-github-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(values));
  const { stdout } = await promisify(execFile)(
    join(hubVenv(), "bin", "python"),
    [join(REPO, "test", "hub", "github_checks.py"), file, apiUrl, ...logins],
    { encoding: "utf8" },
  ).finally(() => rmSync(file, { force: true }));
  const config = (values.hub as { config: Record<string, Record<string, unknown>> }).config;
  return {
    decisions: JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as Record<string, Decision>,
    github: config.GitHubOAuthenticator ?? {},
  };
}

const github = (rules: Record<string, unknown>) => ({
  type: "github",
  clientId: "Iv1.0123456789abcdef",
  clientSecret: { secretName: "github-oauth" },
  ...rules,
});

before(async () => {
  const [port] = await freePorts(1);
  apiUrl = `http://127.0.0.1:${port}`;
  api = createServer(githubApiStandIn);
  await new Promise<void>((resolve) => api.listen(port, "127.0.0.1", resolve));
});
after(() => new Promise<void>((resolve) => api.close(() => resolve())));

describe("github rules, decided by the real GitHubOAuthenticator against a GitHub API stand-in", () => {
  it("allowedTeams: a team member is in, an organization member outside the team is out", async () => {
    requests.length = 0;
    const { decisions, github: rendered } = await decide(
      github({ allowedTeams: [`${ORG}:${TEAM}`], allowedUsers: ["octocat"] }),
      ["dana", "erin", "octocat", "mallory", "prof-lee"],
    );
    assert.deepEqual(rendered.scope, ["read:org"], "team checks need read:org");
    assert.deepEqual(decisions.dana, { allowed: true, name: "dana", admin: false });
    assert.deepEqual(decisions.erin, { allowed: false }, "in the organization, not in the team");
    assert.deepEqual(decisions.octocat, { allowed: true, name: "octocat", admin: false });
    assert.deepEqual(decisions.mallory, { allowed: false });
    assert.deepEqual(decisions["prof-lee"], { allowed: true, name: "prof-lee", admin: true });
    assert.ok(requests.includes(`/orgs/${ORG}/teams/${TEAM}/members/dana`), requests.join("\n"));
    assert.ok(
      !requests.some((r) => r === `/orgs/${ORG}/members/erin`),
      "no organization-wide check",
    );
  });

  it("allowedOrganizations: every member of the organization is in, others are out", async () => {
    const { decisions } = await decide(github({ allowedOrganizations: [ORG] }), [
      "erin",
      "mallory",
    ]);
    assert.deepEqual(decisions.erin, { allowed: true, name: "erin", admin: false });
    assert.deepEqual(decisions.mallory, { allowed: false });
  });
});
