/**
 * The authenticator part of a hub's z2jh values: which JupyterHub authenticator class, its
 * settings, and where its client secret comes from (a Secret reference, never a value).
 */
import type { Authenticator } from "../../fleet/schema.js";

export interface AuthValues {
  /** hub.config entries (JupyterHub, Authenticator and the authenticator class's own section). */
  readonly config: Record<string, Record<string, unknown>>;
  /** hub.extraEnv entries. */
  readonly env: Record<string, unknown>;
}

const secretEnv = (secretName: string, key: string) => ({
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

export function authenticatorValues(
  auth: Authenticator,
  options: { admins: readonly string[]; callbackUrl: string; hubUrl: string },
): AuthValues {
  const admins = { admin_users: [...options.admins] };
  switch (auth.type) {
    case "github":
      return {
        config: {
          JupyterHub: { authenticator_class: "github" },
          Authenticator: { ...admins, allowed_users: [...auth.allowedUsers] },
          GitHubOAuthenticator: {
            client_id: auth.clientId,
            oauth_callback_url: options.callbackUrl,
            allowed_organizations: [...auth.allowedOrganizations],
            scope: auth.allowedOrganizations.length > 0 ? ["read:org"] : [],
          },
        },
        // OAuthenticator reads the client secret from the environment when it is not configured.
        env: {
          GITHUB_CLIENT_SECRET: secretEnv(auth.clientSecret.secretName, auth.clientSecret.key),
          OAUTH_CLIENT_SECRET: secretEnv(auth.clientSecret.secretName, auth.clientSecret.key),
        },
      };
    case "oidc":
      return {
        config: {
          JupyterHub: { authenticator_class: "generic-oauth" },
          Authenticator: { ...admins, allowed_users: [...auth.allowedUsers] },
          GenericOAuthenticator: {
            client_id: auth.clientId,
            oauth_callback_url: options.callbackUrl,
            authorize_url: auth.authorizeUrl,
            token_url: auth.tokenUrl,
            userdata_url: auth.userdataUrl,
            username_claim: auth.usernameClaim,
            scope: [...auth.scopes],
          },
        },
        env: {
          OAUTH_CLIENT_SECRET: secretEnv(auth.clientSecret.secretName, auth.clientSecret.key),
        },
      };
    case "lti13":
      return {
        config: {
          JupyterHub: { authenticator_class: "ltiauthenticator.lti13.auth.LTI13Authenticator" },
          Authenticator: { ...admins },
          LTI13Authenticator: {
            issuer: auth.issuer,
            client_id: [auth.clientId],
            authorize_url: auth.authorizeUrl,
            jwks_endpoint: auth.jwksEndpoint,
            username_key: auth.usernameKey,
          },
        },
        env: {},
      };
    case "dummy":
      return {
        config: {
          JupyterHub: { authenticator_class: "dummy" },
          Authenticator: { ...admins, allow_all: true },
        },
        env: {},
      };
  }
}
