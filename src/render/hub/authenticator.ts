/**
 * The authenticator part of a hub's z2jh values: which JupyterHub authenticator class, its
 * settings (who may log in, in the class's own terms), and where its client secret comes from
 * (a Secret reference, never a value).
 */
import type { Authenticator } from "../../fleet/schema.js";
import { LTI_LAUNCH_CONFIG, ltiLaunchHook } from "./ltiLaunchHook.js";

export interface AuthValues {
  /** hub.config entries (JupyterHub, Authenticator and the authenticator class's own section). */
  readonly config: Record<string, Record<string, unknown>>;
  /** hub.extraEnv entries. */
  readonly env: Record<string, unknown>;
  /** hub.extraConfig snippets, for rules the authenticator has no setting for. */
  readonly extraConfig: Record<string, string>;
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
    case "github": {
      const organizations = auth.allowedOrganizations.length + auth.allowedTeams.length;
      return {
        config: {
          JupyterHub: { authenticator_class: "github" },
          Authenticator: { ...admins },
          GitHubOAuthenticator: {
            client_id: auth.clientId,
            oauth_callback_url: options.callbackUrl,
            allowed_users: [...auth.allowedUsers],
            // OAuthenticator checks "org:team" entries against the team's members.
            allowed_organizations: [...auth.allowedOrganizations, ...auth.allowedTeams],
            // Without read:org GitHub answers only for public memberships.
            scope: organizations > 0 ? ["read:org"] : [],
          },
        },
        // OAuthenticator reads the client secret from the environment when it is not configured.
        env: {
          GITHUB_CLIENT_SECRET: secretEnv(auth.clientSecret.secretName, auth.clientSecret.key),
          OAUTH_CLIENT_SECRET: secretEnv(auth.clientSecret.secretName, auth.clientSecret.key),
        },
        extraConfig: {},
      };
    }
    case "oidc":
      return {
        config: {
          JupyterHub: { authenticator_class: "generic-oauth" },
          Authenticator: { ...admins },
          GenericOAuthenticator: {
            client_id: auth.clientId,
            oauth_callback_url: options.callbackUrl,
            authorize_url: auth.authorizeUrl,
            token_url: auth.tokenUrl,
            userdata_url: auth.userdataUrl,
            username_claim: auth.usernameClaim,
            scope: [...auth.scopes],
            ...oidcAllowRules(auth),
          },
        },
        env: {
          OAUTH_CLIENT_SECRET: secretEnv(auth.clientSecret.secretName, auth.clientSecret.key),
        },
        extraConfig: {},
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
            // The launch is the gate: the platform signed it for this tool. The hook below
            // narrows it to the hub's courses (the authenticator has no course setting).
            allow_all: true,
          },
        },
        env: {},
        extraConfig: {
          [LTI_LAUNCH_CONFIG]: ltiLaunchHook({
            courses: auth.courses,
            adminRoles: auth.adminRoles,
          }),
        },
      };
    case "dummy":
      return {
        config: {
          JupyterHub: { authenticator_class: "dummy" },
          Authenticator: { ...admins, allow_all: true },
        },
        env: {},
        extraConfig: {},
      };
  }
}

/**
 * GenericOAuthenticator's own allow settings. Groups need manage_groups (OAuthenticator 17
 * refuses allowed_groups without it) and are read from auth_state_groups_key, a dotted path
 * into the auth state whose userinfo answer sits under "oauth_user" (claim_groups_key is its
 * deprecated alias).
 */
function oidcAllowRules(auth: Extract<Authenticator, { type: "oidc" }>): Record<string, unknown> {
  const rules: Record<string, unknown> = {};
  if (auth.allowAll) rules.allow_all = true;
  if (auth.allowedUsers.length > 0) rules.allowed_users = [...auth.allowedUsers];
  if (auth.allowedGroups.length > 0) {
    rules.manage_groups = true;
    rules.allowed_groups = [...auth.allowedGroups];
    rules.auth_state_groups_key = `oauth_user.${auth.groupsClaim}`;
  }
  return rules;
}
