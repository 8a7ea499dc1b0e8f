/**
 * Who may log in to a hub: checks that each authenticator has an explicit allow rule, so a hub
 * is never silently locked (only admins get in) nor silently open.
 */
import { error, warning } from "./findings.js";
import { type FleetModel, type Hub, hubFieldPath } from "./model.js";
import type { Finding } from "./problems.js";

/** A GitHub team as OAuthenticator checks it: organization login, ":", the team's slug. */
const GITHUB_TEAM = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}):[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkAuthenticator(fleet: FleetModel, hub: Hub): Finding[] {
  const auth = hub.authenticator;
  const at = (...field: Array<string | number>) =>
    hubFieldPath(fleet.spec, hub, ["authenticator", ...field]);
  const findings: Finding[] = [];
  switch (auth?.type) {
    case "oidc":
      if (!auth.allowAll && auth.allowedUsers.length === 0 && auth.allowedGroups.length === 0) {
        findings.push(
          error(
            at(),
            "would let nobody but the hub's admins log in: an oidc authenticator needs allowedUsers, allowedGroups or allowAll",
            "set allowedUsers: [names], allowedGroups: [groups] (with groupsClaim, default groups), or allowAll: true to admit everyone the provider authenticates",
          ),
        );
      } else if (auth.allowAll && (auth.allowedUsers.length > 0 || auth.allowedGroups.length > 0)) {
        findings.push(
          warning(
            at("allowAll"),
            "allowAll admits everyone the provider authenticates, so allowedUsers and allowedGroups change nothing",
            "remove allowAll to admit only the listed users and groups",
          ),
        );
      }
      break;
    case "lti13":
      if (auth.courses.length === 0) {
        findings.push(
          warning(
            at(),
            "has no courses: a launch from any course that uses this tool registration enters the hub",
            "list the LMS course (context) ids whose launches may enter under courses:",
          ),
        );
      }
      break;
    case "github":
      for (const [i, team] of auth.allowedTeams.entries()) {
        if (!GITHUB_TEAM.test(team)) {
          findings.push(
            error(
              at("allowedTeams", i),
              `"${team}" is not a GitHub team as org:team`,
              'write the organization, a colon and the team\'s slug from its URL github.com/orgs/ORG/teams/SLUG, e.g. "example-university:stat101-staff"',
            ),
          );
        }
      }
      break;
  }
  return findings;
}
