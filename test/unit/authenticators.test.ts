/**
 * Who may log in, per authenticator: validate refuses a hub nobody could enter (or warns when
 * any course could), and render writes each rule as the authenticator's own setting or the one
 * LTI hook.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { parseFleet } from "../../src/fleet/load.js";
import { LTI_LAUNCH_CONFIG } from "../../src/render/hub/ltiLaunchHook.js";
import { renderFleet } from "../../src/render/index.js";
import { editedExample, fleetFrom } from "../helpers.js";

const OIDC = {
  type: "oidc",
  clientId: "hubs",
  clientSecret: { secretName: "oidc" },
  authorizeUrl: "https://idp.example.edu/auth",
  tokenUrl: "https://idp.example.edu/token",
  userdataUrl: "https://idp.example.edu/userinfo",
};
const LTI = {
  type: "lti13",
  issuer: "https://canvas.example.edu",
  clientId: "125900000000000001",
  authorizeUrl: "https://canvas.example.edu/api/lti/authorize_redirect",
  jwksEndpoint: "https://canvas.example.edu/api/lti/security/jwks",
};

/** The example fleet with hub 1's authenticator replaced (hubs[1] sets none of its own today). */
const withHubAuth = (auth: Record<string, unknown>) =>
  editedExample((d: Document) => d.setIn(["hubs", 1, "authenticator"], d.createNode(auth)));
const withDefaultAuth = (auth: Record<string, unknown>) =>
  editedExample((d: Document) => d.setIn(["hubDefaults", "authenticator"], d.createNode(auth)));

interface Case {
  readonly name: string;
  readonly text: string;
  /** The finding expected, or undefined when the hub's authenticator must raise none. */
  readonly expect?: {
    readonly severity: "error" | "warning";
    readonly path: string;
    readonly message: RegExp;
    readonly hint?: RegExp;
  };
}

const CASES: Case[] = [
  {
    name: "oidc hub with no allow rule",
    text: withHubAuth(OIDC),
    expect: {
      severity: "error",
      path: "hubs[1].authenticator",
      message: /allowedUsers, allowedGroups or allowAll/,
      hint: /allowedUsers: .*allowedGroups: .*allowAll: true/,
    },
  },
  {
    name: "oidc default with no allow rule is reported where it is written",
    text: withDefaultAuth(OIDC),
    expect: {
      severity: "error",
      path: "hubDefaults.authenticator",
      message: /nobody but the hub's admins/,
    },
  },
  {
    name: "oidc with empty lists is still no rule",
    text: withHubAuth({ ...OIDC, allowedUsers: [], allowedGroups: [], allowAll: false }),
    expect: {
      severity: "error",
      path: "hubs[1].authenticator",
      message: /needs allowedUsers, allowedGroups or allowAll/,
    },
  },
  { name: "oidc with allowedUsers", text: withHubAuth({ ...OIDC, allowedUsers: ["alice"] }) },
  { name: "oidc with allowedGroups", text: withHubAuth({ ...OIDC, allowedGroups: ["stat"] }) },
  { name: "oidc with allowAll", text: withHubAuth({ ...OIDC, allowAll: true }) },
  {
    name: "oidc allowAll next to a list",
    text: withHubAuth({ ...OIDC, allowAll: true, allowedUsers: ["alice"] }),
    expect: {
      severity: "warning",
      path: "hubs[1].authenticator.allowAll",
      message: /change nothing/,
    },
  },
  {
    name: "oidc allowAll not a boolean",
    text: withHubAuth({ ...OIDC, allowAll: "yes please" }),
    expect: {
      severity: "error",
      path: "hubs[1].authenticator.allowAll",
      message: /must be true or false/,
    },
  },
  {
    name: "lti13 hub without courses",
    text: withHubAuth(LTI),
    expect: {
      severity: "warning",
      path: "hubs[1].authenticator",
      message: /any course that uses this tool registration/,
      hint: /courses:/,
    },
  },
  { name: "lti13 hub with courses", text: withHubAuth({ ...LTI, courses: ["stat-101"] }) },
  {
    name: "github team without a colon",
    text: withDefaultAuth({
      type: "github",
      clientId: "x",
      clientSecret: { secretName: "gh" },
      allowedTeams: ["example-university/staff"],
    }),
    expect: {
      severity: "error",
      path: "hubDefaults.authenticator.allowedTeams[0]",
      message: /"example-university\/staff" is not a GitHub team as org:team/,
      hint: /github\.com\/orgs\/ORG\/teams\/SLUG/,
    },
  },
  {
    name: "github team with an empty slug",
    text: withHubAuth({
      type: "github",
      clientId: "x",
      clientSecret: { secretName: "gh" },
      allowedTeams: ["example-university:stat101-staff", "example-university:"],
    }),
    expect: {
      severity: "error",
      path: "hubs[1].authenticator.allowedTeams[1]",
      message: /not a GitHub team/,
    },
  },
  {
    name: "github team in the right form",
    text: withHubAuth({
      type: "github",
      clientId: "x",
      clientSecret: { secretName: "gh" },
      allowedTeams: ["example-university:stat101-staff"],
    }),
  },
];

describe("validate: who may log in", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { problems } = parseFleet(c.text, "fleet.yaml");
      const auth = problems.filter((p) => /authenticator/.test(p.path));
      if (!c.expect) {
        assert.deepEqual(
          auth.map((p) => `${p.path}: ${p.message}`),
          [],
        );
        return;
      }
      const { severity, path, message, hint } = c.expect;
      const match = auth.find(
        (p) => p.severity === severity && p.path === path && message.test(p.message),
      );
      assert.ok(
        match,
        `expected ${severity} at ${path} ~ ${message}; got:\n${problems.map((p) => `  ${p.severity} ${p.path}: ${p.message}`).join("\n")}`,
      );
      assert.equal(match.file, "fleet.yaml");
      assert.ok(match.line >= 1 && match.column >= 1, `no position: ${match.line}:${match.column}`);
      if (hint) assert.match(match.hint ?? "", hint);
    });
  }
});

type Values = {
  hub: {
    config: Record<string, Record<string, unknown>>;
    extraConfig: Record<string, string>;
  };
};
const hubValues = (text: string, index = 1): Values => {
  const release = renderFleet(fleetFrom(text)).releases.filter((r) => r.hub)[index];
  assert.ok(release, `no release ${index}`);
  return release.values as Values;
};

describe("render: allow rules as the authenticator's own settings", () => {
  const renderCases: Array<{
    name: string;
    auth: Record<string, unknown>;
    section: string;
    settings: Record<string, unknown>;
    absent?: string[];
  }> = [
    {
      name: "oidc users",
      auth: { ...OIDC, allowedUsers: ["alice", "bob"] },
      section: "GenericOAuthenticator",
      settings: { allowed_users: ["alice", "bob"] },
      absent: ["allow_all", "allowed_groups", "manage_groups"],
    },
    {
      name: "oidc groups, default claim",
      auth: { ...OIDC, allowedGroups: ["stat101"] },
      section: "GenericOAuthenticator",
      settings: {
        allowed_groups: ["stat101"],
        manage_groups: true,
        auth_state_groups_key: "oauth_user.groups",
      },
      absent: ["allow_all", "allowed_users"],
    },
    {
      name: "oidc groups, nested claim",
      auth: { ...OIDC, allowedGroups: ["stat"], groupsClaim: "realm_access.roles" },
      section: "GenericOAuthenticator",
      settings: { auth_state_groups_key: "oauth_user.realm_access.roles" },
    },
    {
      name: "oidc allowAll",
      auth: { ...OIDC, allowAll: true },
      section: "GenericOAuthenticator",
      settings: { allow_all: true },
      absent: ["allowed_users", "allowed_groups"],
    },
    {
      name: "lti13: the launch is the gate",
      auth: { ...LTI, courses: ["c-1"] },
      section: "LTI13Authenticator",
      settings: { allow_all: true, client_id: ["125900000000000001"] },
    },
    {
      name: "github teams join the organizations and ask for read:org",
      auth: {
        type: "github",
        clientId: "x",
        clientSecret: { secretName: "gh" },
        allowedTeams: ["example-university:stat101-staff"],
        allowedUsers: ["octocat"],
      },
      section: "GitHubOAuthenticator",
      settings: {
        allowed_organizations: ["example-university:stat101-staff"],
        allowed_users: ["octocat"],
        scope: ["read:org"],
      },
    },
  ];
  for (const c of renderCases) {
    it(c.name, () => {
      const config = hubValues(withHubAuth(c.auth)).hub.config;
      const section = config[c.section] ?? {};
      for (const [key, value] of Object.entries(c.settings)) {
        assert.deepEqual(section[key], value, `${c.section}.${key}`);
      }
      for (const key of c.absent ?? []) assert.equal(section[key], undefined, key);
      // The fleet's admins still apply, and no allow rule hides in the base class's section.
      assert.deepEqual(Object.keys(config.Authenticator ?? {}), ["admin_users"]);
    });
  }
  it("renders the LTI hook with the hub's courses and roles, and only on LTI hubs", () => {
    const text = withHubAuth({ ...LTI, courses: ["stat-101", "stat-101-lab"] });
    const lti = hubValues(text).hub.extraConfig[LTI_LAUNCH_CONFIG] ?? "";
    assert.match(lti, /post_auth_hook = hubfleet_lti_launch/);
    assert.match(lti, /\\"stat-101\\", \\"stat-101-lab\\"|\\"stat-101\\",\\"stat-101-lab\\"/);
    assert.match(lti, /membership#Instructor/);
    assert.match(lti, /membership\/Instructor#TeachingAssistant/);
    assert.equal(hubValues(text).hub.extraConfig[LTI_LAUNCH_CONFIG], lti, "deterministic");
    assert.equal(hubValues(text, 0).hub.extraConfig[LTI_LAUNCH_CONFIG], undefined);
  });
  it("lets adminRoles replace the default roles", () => {
    const text = withHubAuth({
      ...LTI,
      courses: ["c"],
      adminRoles: ["http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"],
    });
    const lti = hubValues(text).hub.extraConfig[LTI_LAUNCH_CONFIG] ?? "";
    assert.match(lti, /#ContentDeveloper/);
    assert.doesNotMatch(lti, /#Instructor/);
  });
});
