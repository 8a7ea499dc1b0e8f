/**
 * The test plays the LMS (LTI 1.3 platform): it owns an RSA key whose public JWK set it serves
 * over HTTP, answers the tool's OIDC authorization request with an auto-posting form holding a
 * signed id_token, and drives a whole OIDC-initiated launch through a Browser.
 */
import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { freePorts } from "../../sim/controlPlane.js";
import { type Browser, firstForm, type Page } from "./browser.js";

export const LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership";
export const ROLE = {
  learner: `${LIS}#Learner`,
  instructor: `${LIS}#Instructor`,
  teachingAssistant: `${LIS}/Instructor#TeachingAssistant`,
} as const;

export interface Launch {
  readonly user: string;
  readonly roles: readonly string[];
  readonly course: { id: string; label: string; title: string };
}

export interface LtiPlatform {
  readonly issuer: string;
  readonly clientId: string;
  readonly authorizeUrl: string;
  readonly jwksUrl: string;
  /** One launch of `launch.user` into the tool whose LTI endpoints sit under toolHubUrl. */
  launch(browser: Browser, toolHubUrl: string, launch: Launch): Promise<Page>;
  stop(): Promise<void>;
}

const CLAIM = "https://purl.imsglobal.org/spec/lti/claim";
const DEPLOYMENT = "hubfleet-test-deployment";

export async function startLtiPlatform(clientId: string): Promise<LtiPlatform> {
  const [port] = await freePorts(1);
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "hubfleet-test-key";
  const pending = new Map<string, Launch>();

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    if (url.pathname === "/jwks") {
      const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (url.pathname === "/authorize") {
      const q = url.searchParams;
      const launch = pending.get(q.get("lti_message_hint") ?? "");
      if (!launch || q.get("client_id") !== clientId || q.get("login_hint") !== launch.user) {
        res.writeHead(400).end("unknown launch");
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const idToken = signJwt(privateKey, kid, {
        iss: issuer,
        aud: clientId,
        sub: launch.user,
        iat: now,
        exp: now + 300,
        nonce: q.get("nonce"),
        [`${CLAIM}/message_type`]: "LtiResourceLinkRequest",
        [`${CLAIM}/version`]: "1.3.0",
        [`${CLAIM}/deployment_id`]: DEPLOYMENT,
        [`${CLAIM}/target_link_uri`]: q.get("redirect_uri"),
        [`${CLAIM}/resource_link`]: { id: `link-${launch.course.id}` },
        [`${CLAIM}/roles`]: [...launch.roles],
        [`${CLAIM}/context`]: { ...launch.course },
      });
      // response_mode=form_post: the browser posts the token to the tool's redirect_uri.
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<html><body onload="document.forms[0].submit()"><form method="post" action="${htmlEscape(q.get("redirect_uri") ?? "")}">` +
          `<input type="hidden" name="id_token" value="${htmlEscape(idToken)}">` +
          `<input type="hidden" name="state" value="${htmlEscape(q.get("state") ?? "")}">` +
          "</form></body></html>",
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));

  return {
    issuer,
    clientId,
    authorizeUrl: `${issuer}/authorize`,
    jwksUrl: `${issuer}/jwks`,
    async launch(browser, toolHubUrl, launch) {
      const hint = randomUUID();
      pending.set(hint, launch);
      // Third-party initiated login: the LMS page posts these to the tool's login endpoint.
      const init = await browser.post(`${toolHubUrl}lti13/oauth_login`, {
        iss: issuer,
        login_hint: launch.user,
        target_link_uri: toolHubUrl,
        lti_message_hint: hint,
        client_id: clientId,
        lti_deployment_id: DEPLOYMENT,
      });
      if (init.status !== 302 || init.location?.origin !== issuer) {
        throw new Error(`login initiation: ${init.status} ${init.body.slice(0, 300)}`);
      }
      const authorize = await browser.get(init.location);
      const form = firstForm(authorize);
      return browser.post(form.action, form.fields);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${b64({ alg: "RS256", typ: "JWT", kid })}.${b64(claims)}`;
  const signature = createSign("RSA-SHA256").update(input).sign(key).toString("base64url");
  return `${input}.${signature}`;
}

const htmlEscape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
