/**
 * The container security context of every shared part: what the "restricted" Pod Security
 * standard of their namespace asks for, as user nobody.
 */
export const RESTRICTED_CONTAINER = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;
