/**
 * The one piece of hub code an lti13 hub needs: jupyterhub-ltiauthenticator 1.6.3 checks a
 * launch's signature but has no course rule and no role mapping, so a post_auth_hook refuses
 * launches from other courses and sets admin from the launch's roles.
 */

/** hub.extraConfig key of the hook. */
export const LTI_LAUNCH_CONFIG = "hubfleet-lti-launch";

/** LTI 1.3 claims the hook reads (LTI Core 1.3, §5.4.1 context and §5.3.7 roles). */
export const LTI_CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context";
export const LTI_ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles";

/** A JSON value written as a Python string literal, read back with json.loads (no quoting traps). */
const pyJson = (value: unknown): string => `json.loads(${JSON.stringify(JSON.stringify(value))})`;

/**
 * Python for hub.extraConfig. It runs after check_allowed (the authenticator's settings set
 * allow_all, so the launch itself is the gate). An explicit admin: False takes admin away from
 * a user an earlier launch made admin; users in admin_users keep it, because
 * Authenticator.is_admin already set admin: True for them before the hook runs.
 */
export function ltiLaunchHook(options: {
  courses: readonly string[];
  adminRoles: readonly string[];
}): string {
  return `# hubfleet: LTI 1.3 launch rules (courses, admin roles); rendered, do not edit.
import json

from tornado import web

_HUBFLEET_LTI_COURSES = frozenset(${pyJson([...options.courses].sort())})
_HUBFLEET_LTI_ADMIN_ROLES = frozenset(${pyJson([...options.adminRoles].sort())})


def hubfleet_lti_launch(authenticator, handler, authentication):
    claims = authentication.get("auth_state") or {}
    context = claims.get(${JSON.stringify(LTI_CONTEXT_CLAIM)}) or {}
    course = context.get("id") if isinstance(context, dict) else None
    if _HUBFLEET_LTI_COURSES and course not in _HUBFLEET_LTI_COURSES:
        authenticator.log.warning("LTI launch of %s from course %r refused", authentication["name"], course)
        raise web.HTTPError(
            403,
            "This hub is not open to the course you came from (course id %r). Open the hub from the link in its own course.",
            course,
        )
    roles = claims.get(${JSON.stringify(LTI_ROLES_CLAIM)}) or []
    instructor = bool(_HUBFLEET_LTI_ADMIN_ROLES.intersection(roles))
    authentication["admin"] = bool(authentication.get("admin")) or instructor
    return authentication


c.Authenticator.post_auth_hook = hubfleet_lti_launch
`;
}
