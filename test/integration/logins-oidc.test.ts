/**
 * oidc logins end to end with the real programs: the certified oidc-provider package as the
 * identity provider, a real JupyterHub + GenericOAuthenticator (OAuthenticator 17.4.0)
 * configured from the values hubfleet renders (through the z2jh stand-in glue,
 * test/hub/z2jh_config.py), and the real authorization-code flow over HTTP with a cookie jar:
 * /hub/oauth_login → provider authorize → login + consent pages → /hub/oauth_callback.
 * The ingress in front of the hub is played by the test's browser (Host + X-Forwarded-Proto).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ControlPlane, startControlPlane } from "../../sim/index.js";
import { parseFleet } from "../../src/fleet/load.js";
import { editedExample } from "../helpers.js";
import { Browser } from "../hub/browser.js";
import {
  LOGIN_HUB,
  type LoginHub,
  PUBLIC_ORIGIN,
  renderedValuesWith,
  withLoginHub,
} from "../hub/loginHub.js";
import { type OidcProvider, signInAtProvider, startOidcProvider } from "../hub/oidcProvider.js";

const CLIENT_ID = "stat101-hub";
const CLIENT_SECRET = "test-client-secret-from-the-hub-secret";
const HUB_URL = `${PUBLIC_ORIGIN}/${LOGIN_HUB}/hub/`;

let provider: OidcProvider;
let cluster: ControlPlane;

const oidc = (rules: Record<string, unknown>): Record<string, unknown> => ({
  type: "oidc",
  clientId: CLIENT_ID,
  clientSecret: { secretName: "stat101-oidc", key: "client-secret" },
  authorizeUrl: provider.authorizeUrl,
  tokenUrl: provider.tokenUrl,
  userdataUrl: provider.userdataUrl,
  scopes: ["openid", "profile", "groups"],
  ...rules,
});

/** A hub started from values, with the client secret in its environment as the pod gets it. */
function withHub(values: Record<string, unknown>, run: (hub: LoginHub) => Promise<void>) {
  const env = (values.hub as { extraEnv: Record<string, unknown> }).extraEnv;
  assert.deepEqual(env.OAUTH_CLIENT_SECRET, {
    valueFrom: { secretKeyRef: { name: "stat101-oidc", key: "client-secret" } },
  });
  const secret = { OAUTH_CLIENT_SECRET: CLIENT_SECRET };
  return withLoginHub(
    { release: LOGIN_HUB, values, kubeconfig: cluster.kubeconfigPath, env: secret },
    run,
  );
}

/** The whole login of `user` in a fresh browser: the hub's answer to the provider's callback. */
async function login(hub: LoginHub, user: string): Promise<{ status: number; body: string }> {
  const browser = new Browser({ [PUBLIC_ORIGIN]: hub.origin });
  const start = await browser.get(`${HUB_URL}oauth_login`);
  assert.equal(start.status, 302, `oauth_login: ${start.status} ${start.body.slice(0, 300)}`);
  assert.equal(start.location?.origin, provider.issuer, "oauth_login sends the browser to the IdP");
  const back = await signInAtProvider(browser, start, provider, user);
  assert.equal(back.location?.href.startsWith(`${HUB_URL}oauth_callback?`), true);
  const callback = await browser.get(back.location as URL);
  if (callback.status === 302) {
    assert.ok(browser.cookies("hubs.example.edu").has("jupyterhub-hub-login"), "login cookie");
  }
  return { status: callback.status, body: callback.body };
}

before(async () => {
  cluster = await startControlPlane({ testProvisioner: false });
  provider = await startOidcProvider({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: `${HUB_URL}oauth_callback`,
    users: {
      alice: { groups: ["stat101-students"] },
      bob: { groups: ["biology"] },
      carol: { groups: ["stat101-students", "chess-club"] },
      "prof-lee": { groups: ["faculty"] },
    },
  });
});
after(async () => {
  await provider?.stop();
  await cluster?.stop();
});

describe("oidc logins on a real JupyterHub with a real OpenID Connect provider", () => {
  it("allowedUsers: the listed user gets in, another user is refused", async () => {
    await withHub(renderedValuesWith(oidc({ allowedUsers: ["alice"] })), async (hub) => {
      assert.equal((await login(hub, "alice")).status, 302);
      assert.equal((await hub.user("alice"))?.admin, false);
      const bob = await login(hub, "bob");
      assert.equal(bob.status, 403, bob.body.slice(0, 300));
      assert.match(bob.body, /not currently authorized to use this hub/);
      assert.equal(await hub.user("bob"), undefined, "a refused user is not created");
    });
  });

  it("allowedGroups: a member of the group gets in (with the group), a non-member is refused", async () => {
    await withHub(
      renderedValuesWith(oidc({ allowedGroups: ["stat101-students"] })),
      async (hub) => {
        assert.equal((await login(hub, "carol")).status, 302);
        assert.deepEqual((await hub.user("carol"))?.groups.sort(), [
          "chess-club",
          "stat101-students",
        ]);
        assert.equal((await login(hub, "bob")).status, 403);
        assert.equal(await hub.user("bob"), undefined);
      },
    );
  });

  it("allowAll: anyone the provider signs in gets in; the fleet's admins are admins", async () => {
    await withHub(renderedValuesWith(oidc({ allowAll: true })), async (hub) => {
      assert.equal((await login(hub, "bob")).status, 302);
      assert.equal((await hub.user("bob"))?.admin, false);
      assert.equal((await login(hub, "prof-lee")).status, 302);
      assert.equal((await hub.user("prof-lee"))?.admin, true);
    });
  });

  it("point 0: the old render (allowed_users: [] and no other rule) admitted only admins; validate now refuses it", async () => {
    // What hubfleet rendered for an oidc hub without allowedUsers before issue 14.
    const values = renderedValuesWith(oidc({ allowAll: true }));
    const config = (values.hub as { config: Record<string, Record<string, unknown>> }).config;
    config.Authenticator = { admin_users: ["prof-lee", "ta-garcia"], allowed_users: [] };
    const { allow_all: _dropped, ...generic } = config.GenericOAuthenticator ?? {};
    config.GenericOAuthenticator = generic;
    await withHub(values, async (hub) => {
      assert.equal((await login(hub, "prof-lee")).status, 302, "admins get in");
      assert.equal((await login(hub, "alice")).status, 403, "everyone else is locked out");
    });
    const fleet = editedExample((d) => {
      const { allowAll: _none, ...noRule } = oidc({});
      d.setIn(["hubs", 0, "authenticator"], d.createNode(noRule));
    });
    const problems = parseFleet(fleet, "fleet.yaml").problems.filter(
      (p) => p.severity === "error" && p.path === "hubs[0].authenticator",
    );
    assert.match(problems[0]?.message ?? "", /allowedUsers, allowedGroups or allowAll/);
  });
});
