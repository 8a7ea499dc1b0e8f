/**
 * A real OpenID Connect provider for login tests: the certified `oidc-provider` package on
 * 127.0.0.1, with a fixed set of users (and their groups claim) and one confidential client,
 * the hub. Its development login page accepts a user's name; the consent page follows.
 */
import { createServer, type Server } from "node:http";
import Provider from "oidc-provider";
import { freePorts } from "../../sim/controlPlane.js";
import { type Browser, firstForm, type Page } from "./browser.js";

export interface OidcUser {
  readonly groups: readonly string[];
}

export interface OidcProvider {
  readonly issuer: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly userdataUrl: string;
  stop(): Promise<void>;
}

export async function startOidcProvider(options: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  users: Record<string, OidcUser>;
}): Promise<OidcProvider> {
  const [port] = await freePorts(1);
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        // GenericOAuthenticator sends the secret in the form body unless basic_auth is set.
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    async findAccount(_ctx, id) {
      const user = options.users[id];
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, preferred_username: id, groups: [...user.groups] }),
      };
    },
    scopes: ["openid", "profile", "groups"],
    claims: { openid: ["sub"], profile: ["preferred_username"], groups: ["groups"] },
    cookies: { keys: ["hubfleet-login-test-cookie-key"] },
    features: { devInteractions: { enabled: true } },
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    issuer,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    userdataUrl: `${issuer}/me`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Signs `user` in on the provider's pages, starting from the provider's authorize redirect,
 * and consents; returns the provider's redirect back to the client (the hub's callback).
 */
export async function signInAtProvider(
  browser: Browser,
  authorize: Page,
  provider: OidcProvider,
  user: string,
): Promise<Page> {
  const atProvider = (url: URL) => url.origin === provider.issuer;
  let page = await browser.follow(authorize, atProvider);
  for (let step = 0; step < 4; step++) {
    if (page.location && !atProvider(page.location)) return page;
    const form = firstForm(page);
    const prompt = form.fields.prompt;
    const fields =
      prompt === "login" ? { ...form.fields, login: user, password: "any" } : form.fields;
    page = await browser.follow(await browser.post(form.action, fields), atProvider);
  }
  throw new Error(
    `the provider did not send ${user} back: ${page.status} ${page.body.slice(0, 300)}`,
  );
}
