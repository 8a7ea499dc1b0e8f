/**
 * Each home's size on a drive: a sidecar that measures every home directory with `du` every few
 * minutes and writes the figures in Prometheus' text format for the metrics sidecar's textfile
 * collector, so one scrape of the drive gives its free space and every user's share of it.
 */

/** The metric: bytes of disk a home directory takes (du's allocated blocks), label `user`. */
export const HOME_USED_METRIC = "hubfleet_drive_home_used_bytes";
/** The shared directory between the measuring sidecar and node-exporter's textfile collector. */
export const TEXTFILE_DIR = "/textfile";
export const TEXTFILE_VOLUME = "textfile";
/** Seconds between two measurements: du reads every inode of the drive, so not too often. */
export const HOME_USAGE_INTERVAL_SECONDS = 300;

/**
 * POSIX sh with GNU du (the drive image's Ubuntu base), paths from the environment: HOMES_DIR
 * (the drive's `home`), TEXTFILE_DIR, INTERVAL. One pass per home (`du -s -x`, at lowest CPU
 * priority) keeps memory small whatever the depth of a tree; the file is written aside and
 * renamed, so the collector never reads half of it. Directory names that would need escaping
 * in a label are left out (KubeSpawner's escaped user names never do).
 */
export const HOME_USAGE_SCRIPT = `set -u
out="$TEXTFILE_DIR/home_usage.prom"
while :; do
  {
    echo "# HELP ${HOME_USED_METRIC} Disk space used by each home directory on the drive (du, allocated bytes)."
    echo "# TYPE ${HOME_USED_METRIC} gauge"
    for home in "$HOMES_DIR"/*/; do
      [ -d "$home" ] || continue
      user=$(basename "$home")
      case "$user" in *[!A-Za-z0-9._-]*) continue ;; esac
      used=$(nice -n 19 du -s -x -B1 "$home" | cut -f1)
      [ -n "$used" ] && echo "${HOME_USED_METRIC}{user=\\"$user\\"} $used"
    done
  } >"$out.tmp" && mv "$out.tmp" "$out"
  sleep "$INTERVAL"
done
`;

/** The sidecar, with the drive's data volume (read-only) at `exportPath`. */
export function homeUsageContainer(image: string, exportPath: string): Record<string, unknown> {
  return {
    name: "home-usage",
    image,
    command: ["sh", "-c", HOME_USAGE_SCRIPT],
    env: [
      { name: "HOMES_DIR", value: `${exportPath}/home` },
      { name: "TEXTFILE_DIR", value: TEXTFILE_DIR },
      { name: "INTERVAL", value: String(HOME_USAGE_INTERVAL_SECONDS) },
    ],
    // Root reads every home whatever its mode; nothing else: no writes to the data, no privileges.
    securityContext: {
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"], add: ["DAC_READ_SEARCH"] },
    },
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    volumeMounts: [
      { name: "data", mountPath: exportPath, readOnly: true },
      { name: TEXTFILE_VOLUME, mountPath: TEXTFILE_DIR },
    ],
  };
}
