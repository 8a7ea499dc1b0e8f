/**
 * lti13 logins end to end with the real programs: JupyterHub + LTI13Authenticator
 * (jupyterhub-ltiauthenticator 1.6.3) configured from the values hubfleet renders (through the
 * z2jh stand-in glue, test/hub/z2jh_config.py), and real OIDC-initiated LTI 1.3 launches:
 * login initiation → the platform's authorize URL → id_token + state posted to the hub's
 * callback. The test plays the LMS: it signs the launches with its own RSA key and serves the
 * public JWK set the authenticator fetches.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ControlPlane, startControlPlane } from "../../sim/index.js";
import { parseFleet } from "../../src/fleet/load.js";
import { LTI_LAUNCH_CONFIG } from "../../src/render/hub/ltiLaunchHook.js";
import { editedExample } from "../helpers.js";
import { Browser } from "../hub/browser.js";
import {
  LOGIN_HUB,
  type LoginHub,
  PUBLIC_ORIGIN,
  renderedValuesWith,
  withLoginHub,
} from "../hub/loginHub.js";
import { type Launch, type LtiPlatform, ROLE, startLtiPlatform } from "../hub/ltiPlatform.js";

const HUB_URL = `${PUBLIC_ORIGIN}/${LOGIN_HUB}/hub/`;
const STAT101 = { id: "course-stat-101", label: "STAT 101", title: "Introductory Statistics" };
const BIO200 = { id: "course-bio-200", label: "BIO 200", title: "Genetics" };

let platform: LtiPlatform;
let cluster: ControlPlane;

const lti = (rules: Record<string, unknown>): Record<string, unknown> => ({
  type: "lti13",
  issuer: platform.issuer,
  clientId: platform.clientId,
  authorizeUrl: platform.authorizeUrl,
  jwksEndpoint: platform.jwksUrl,
  ...rules,
});

const withHub = (values: Record<string, unknown>, run: (hub: LoginHub) => Promise<void>) =>
  withLoginHub({ release: LOGIN_HUB, values, kubeconfig: cluster.kubeconfigPath }, run);

/** One launch in a fresh browser: the hub's answer to the posted id_token. */
async function launch(hub: LoginHub, what: Launch): Promise<{ status: number; body: string }> {
  const browser = new Browser({ [PUBLIC_ORIGIN]: hub.origin });
  const page = await platform.launch(browser, HUB_URL, what);
  return { status: page.status, body: page.body };
}

before(async () => {
  cluster = await startControlPlane({ testProvisioner: false });
  platform = await startLtiPlatform("125900000000000001");
});
after(async () => {
  await platform?.stop();
  await cluster?.stop();
});

describe("lti13 launches on a real JupyterHub", () => {
  it("admits every launch of its course, makes instructors and TAs admins, refuses other courses", async () => {
    await withHub(renderedValuesWith(lti({ courses: [STAT101.id] })), async (hub) => {
      const learner = await launch(hub, {
        user: "student-1",
        roles: [ROLE.learner],
        course: STAT101,
      });
      assert.equal(learner.status, 302, learner.body.slice(0, 400));
      assert.equal((await hub.user("student-1"))?.admin, false, "a learner is not an admin");

      await launch(hub, { user: "prof-ng", roles: [ROLE.instructor], course: STAT101 });
      assert.equal((await hub.user("prof-ng"))?.admin, true, "the course's instructor is admin");

      // The TA sub-role alone (platforms usually send Instructor with it).
      await launch(hub, { user: "ta-kim", roles: [ROLE.teachingAssistant], course: STAT101 });
      assert.equal((await hub.user("ta-kim"))?.admin, true, "the course's TA is admin");

      const other = await launch(hub, { user: "student-2", roles: [ROLE.learner], course: BIO200 });
      assert.equal(other.status, 403);
      assert.match(
        other.body,
        /not open to the course you came from \(course id (&#39;|')course-bio-200/,
      );
      assert.equal(await hub.user("student-2"), undefined, "a refused launch creates no user");
      const instructorElsewhere = await launch(hub, {
        user: "prof-ng",
        roles: [ROLE.instructor],
        course: BIO200,
      });
      assert.equal(instructorElsewhere.status, 403, "another course's instructor is refused too");
    });
  });

  it("never leaves a learner admin: a later learner launch takes admin away; the fleet's admins keep it", async () => {
    await withHub(renderedValuesWith(lti({ courses: [STAT101.id] })), async (hub) => {
      await launch(hub, { user: "sam", roles: [ROLE.instructor], course: STAT101 });
      assert.equal((await hub.user("sam"))?.admin, true);
      assert.equal(
        (await launch(hub, { user: "sam", roles: [ROLE.learner], course: STAT101 })).status,
        302,
      );
      assert.equal((await hub.user("sam"))?.admin, false, "admin follows the latest launch");

      // prof-lee is in the fleet file's admins of stat101.
      await launch(hub, { user: "prof-lee", roles: [ROLE.learner], course: STAT101 });
      assert.equal((await hub.user("prof-lee"))?.admin, true);
    });
  });

  it("point 0: an lti13 hub without courses admits its launches (validate warns); the old render admitted nobody", async () => {
    const values = renderedValuesWith(lti({}));
    await withHub(values, async (hub) => {
      const learner = await launch(hub, {
        user: "student-3",
        roles: [ROLE.learner],
        course: BIO200,
      });
      assert.equal(learner.status, 302, learner.body.slice(0, 400));
    });
    const warnings = parseFleet(
      editedExample((d) => d.setIn(["hubs", 0, "authenticator"], d.createNode(lti({})))),
      "fleet.yaml",
    ).problems.filter((p) => p.severity === "warning" && p.path === "hubs[0].authenticator");
    assert.match(warnings[0]?.message ?? "", /any course/);

    // What hubfleet rendered for an lti13 hub before issue 14: no allow rule, no hook.
    const hub = values.hub as {
      config: Record<string, Record<string, unknown>>;
      extraConfig: Record<string, string>;
    };
    const { allow_all: _gate, ...oldLti } = hub.config.LTI13Authenticator ?? {};
    const { [LTI_LAUNCH_CONFIG]: _hook, ...oldExtraConfig } = hub.extraConfig;
    const old = {
      ...values,
      hub: {
        ...hub,
        config: { ...hub.config, LTI13Authenticator: oldLti },
        extraConfig: oldExtraConfig,
      },
    };
    await withHub(old, async (hub) => {
      const learner = await launch(hub, {
        user: "student-3",
        roles: [ROLE.learner],
        course: STAT101,
      });
      assert.equal(learner.status, 403, "the old render refused every learner");
      // Not even the fleet's admins: JupyterHub 5.4.4 adds admin_users to the allowed users
      // only when allowed_users is set, and the base check_allowed does not look at admin.
      const admin = await launch(hub, {
        user: "prof-lee",
        roles: [ROLE.instructor],
        course: STAT101,
      });
      assert.equal(admin.status, 403, "the old render refused the fleet's admins too");
    });
  });
});
