/**
 * The archiver pod: a short-lived pod in the hub's namespace, on the core group, that mounts
 * the hub's drive the way user servers do (the `drive` claim, an NFS volume kubelet mounts from
 * the node) and the hub database's claim read-only, and does nothing but wait for `tar` to be
 * run in it through the exec API. Its spec and the commands run in it are pure data here.
 */
import { DRIVE_CLIENT_CLAIM } from "../render/hub/drive.js";
import { coreGroupNodeAffinity } from "../render/nfs.js";
import {
  COMPONENT_LABEL,
  FLEET_LABEL,
  HUB_LABEL,
  MANAGED_BY,
  SAFE_TO_EVICT,
} from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";

export const ARCHIVER_POD = "hubfleet-archiver";
export const ARCHIVER_CONTAINER = "archiver";
/** Debian's slim image: GNU tar (numeric owners, sparse files, --keep-old-files) and sh. */
export const ARCHIVER_IMAGE = "docker.io/library/debian:13.2-slim";
/** The hub database's claim, as z2jh's chart names it. */
export const HUB_DB_CLAIM = "hub-db-dir";
export const DRIVE_MOUNT = "/drive";
export const DATABASE_MOUNT = "/hub-db";
/** A pod left by a killed command ends by itself after this long. */
const DEADLINE_SECONDS = 6 * 3600;

export function archiverPod(options: {
  fleet: string;
  hub: string;
  withDatabase: boolean;
}): KubeObject {
  const { hub } = options;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: ARCHIVER_POD,
      namespace: hub,
      labels: {
        [MANAGED_BY]: "hubfleet",
        [FLEET_LABEL]: options.fleet,
        [HUB_LABEL]: hub,
        [COMPONENT_LABEL]: "archiver",
      },
      // Evicting it mid-archive would only fail the command; the autoscaler should not try.
      annotations: { [SAFE_TO_EVICT]: "false" },
    },
    spec: {
      restartPolicy: "Never",
      // tar needs no Kubernetes API: no token in the pod.
      automountServiceAccountToken: false,
      activeDeadlineSeconds: DEADLINE_SECONDS,
      terminationGracePeriodSeconds: 5,
      affinity: {
        nodeAffinity: coreGroupNodeAffinity(),
        // The database volume attaches to one node at a time: be where the hub pod is, if any.
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                labelSelector: { matchLabels: { component: "hub" } },
                topologyKey: "kubernetes.io/hostname",
              },
            },
          ],
        },
      },
      containers: [
        {
          name: ARCHIVER_CONTAINER,
          image: ARCHIVER_IMAGE,
          command: ["sleep", String(DEADLINE_SECONDS)],
          // Root, to read every home and keep owners on restore; only the file capabilities.
          securityContext: {
            runAsUser: 0,
            runAsGroup: 0,
            allowPrivilegeEscalation: false,
            capabilities: {
              drop: ["ALL"],
              add: ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID"],
            },
          },
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
          volumeMounts: [
            { name: "drive", mountPath: DRIVE_MOUNT },
            ...(options.withDatabase
              ? [{ name: "hub-db", mountPath: DATABASE_MOUNT, readOnly: true }]
              : []),
          ],
        },
      ],
      volumes: [
        { name: "drive", persistentVolumeClaim: { claimName: DRIVE_CLIENT_CLAIM } },
        ...(options.withDatabase
          ? [{ name: "hub-db", persistentVolumeClaim: { claimName: HUB_DB_CLAIM, readOnly: true } }]
          : []),
      ],
    },
  };
}

/** Paths are passed to sh as arguments ($1, $2), never spliced into the script. */
const sh = (script: string, ...args: string[]) => ["sh", "-c", script, "sh", ...args];

/** The commands run in the pod for each drive operation. */
export const archiverCommands = {
  users: () =>
    sh(
      `cd "$1" 2>/dev/null || exit 0; find . -mindepth 1 -maxdepth 1 -type d -printf '%f\\n'`,
      `${DRIVE_MOUNT}/home`,
    ),
  exists: (path: string) =>
    sh(`if [ -e "$1" ] || [ -L "$1" ]; then echo yes; else echo no; fi`, `${DRIVE_MOUNT}/${path}`),
  /** Reads relative paths on stdin, one a line; prints those that exist. */
  existing: (base: string) =>
    sh(
      `cd "$1" 2>/dev/null || exit 0; while IFS= read -r p; do if [ -e "$p" ] || [ -L "$p" ]; then printf '%s\\n' "$p"; fi; done`,
      `${DRIVE_MOUNT}/${base}`,
    ),
  /** Bytes of the regular files under the folder (0 when it is missing). */
  fileBytes: (path: string) =>
    sh(
      `cd "$1" 2>/dev/null || { echo 0; exit 0; }; find . -type f -printf '%s\\n' | awk '{ s += $1 } END { printf "%d\\n", s }'`,
      path.startsWith("/") ? path : `${DRIVE_MOUNT}/${path}`,
    ),
  readTar: (path: string) => [
    "tar",
    "--create",
    "--file=-",
    "--numeric-owner",
    "--sparse",
    `--directory=${DRIVE_MOUNT}/${path}`,
    ".",
  ],
  readDatabaseTar: () => [
    "tar",
    "--create",
    "--file=-",
    "--numeric-owner",
    `--directory=${DATABASE_MOUNT}`,
    ".",
  ],
  /** Unpacks stdin into the folder, never replacing a file; `ro`: everything made read-only. */
  writeTar: (path: string, readOnly: boolean) =>
    sh(
      `mkdir -p "$1" && tar --extract --file=- --numeric-owner --same-owner --same-permissions --keep-old-files --directory="$1" && if [ "$2" = ro ]; then chmod -R a-w "$1"; fi`,
      `${DRIVE_MOUNT}/${path}`,
      readOnly ? "ro" : "rw",
    ),
};
