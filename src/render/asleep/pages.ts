/**
 * The asleep pages: one small nginx, shared by the fleet, that answers a sleeping hub's URL with
 * a page saying the hub is asleep and until when (in the hub's time zone). Rendered only when
 * some hub is asleep; each sleeping hub's own Ingress sends its host and path here
 * (./routes.ts). The z2jh chart hard-codes one replica of hub and proxy, so the page cannot
 * come from the hub's release (docs/design.md, "Sleeping hubs").
 */
import { createHash } from "node:crypto";
import type { FleetModel, Hub } from "../../fleet/model.js";
import type { TermState } from "../../fleet/terms.js";
import {
  ASLEEP_PAGE_ROLE,
  CONFIG_HASH_ANNOTATION,
  NAME_LABEL,
  SLEEP_LABEL,
} from "../../vocabulary/labels.js";
import { SHARED_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import { hubRoute, type Route } from "../hub/routing.js";
import { fleetLabels } from "../labels.js";
import { RESTRICTED_CONTAINER } from "../shared/restricted.js";
import { clusterToolsNodeSelector } from "../tools/tool.js";

/** The page server's Deployment, Service and ConfigMap, in the fleet's shared namespace. */
export const ASLEEP_PAGES = "hub-asleep-pages";
/** nginx without root (listens on 8080), pinned. */
export const ASLEEP_PAGES_IMAGE = "docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine";
export const ASLEEP_PAGES_PORT = 8080;
/** Where the pages are mounted, and the internal URI prefix nginx serves them under. */
export const PAGES_DIR = "/usr/share/nginx/asleep";
const PAGES_URI = "/.hubfleet-asleep/";
/** The config's file in the ConfigMap, mounted into nginx's conf.d. */
export const PAGES_CONFIG_KEY = "default.conf";

export interface SleepingHub {
  readonly hub: Hub;
  readonly state: TermState;
}

const escapeHtml = (text: string): string =>
  text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

/** The page's file name in the ConfigMap (a hub name is a DNS label: safe as a key). */
export const pageKey = (hub: string): string => `${hub}.html`;

/** A sleeping hub's page: its title and name, and when it wakes (or that no term is planned). */
export function asleepPageHtml({ hub, state }: SleepingHub): string {
  const title = escapeHtml(hub.title);
  const term = state.term;
  const termName = term?.name ? `term ${escapeHtml(term.name)}` : "its next term";
  const when =
    state.until !== undefined
      ? `<p>It wakes on <strong>${state.until}</strong> (${escapeHtml(hub.timeZone)}), before ${termName} starts on ${term?.start ?? ""}.</p>`
      : `<p>Its term ended on ${term?.end ?? ""} (${escapeHtml(hub.timeZone)}) and no later term is planned. Your files are kept; ask the hub's instructor or administrators.</p>`;
  return [
    "<!doctype html>",
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${title} is asleep</title></head>`,
    "<body>",
    `<h1>${title} is asleep</h1>`,
    `<p>The JupyterHub <code>${escapeHtml(hub.name)}</code> sleeps between terms.</p>`,
    when,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** nginx's location prefix for a route: the hub's path without its last slash ("/stat101"). */
function locationOf(route: Route): string {
  return route.baseUrl === "/" ? "/" : route.baseUrl.replace(/\/$/, "");
}

/**
 * The server's config: one server block per host of a sleeping hub, a location per hub answering
 * 503 with its page, and a default server for anything else (404) and the probe (/healthz).
 */
export function asleepPagesConfig(fleet: FleetModel, sleeping: readonly SleepingHub[]): string {
  const byHost = new Map<string, string[]>();
  for (const { hub } of sleeping) {
    const route = hubRoute(fleet, hub);
    const lines = [
      `    location ^~ ${locationOf(route)} {`,
      `        error_page 503 ${PAGES_URI}${pageKey(hub.name)};`,
      "        return 503;",
      "    }",
    ];
    byHost.set(route.host, [...(byHost.get(route.host) ?? []), ...lines]);
  }
  const common = [
    "    default_type text/html;",
    "    charset utf-8;",
    // A browser must not keep showing the page after the hub wakes.
    '    add_header Cache-Control "no-store" always;',
    `    location ^~ ${PAGES_URI} {`,
    "        internal;",
    `        alias ${PAGES_DIR}/;`,
    "    }",
  ];
  const servers = [...byHost.keys()]
    .sort()
    .map((host) =>
      [
        "server {",
        `    listen ${ASLEEP_PAGES_PORT};`,
        `    server_name ${host};`,
        ...common,
        ...(byHost.get(host) ?? []),
        "    location / {",
        "        return 404;",
        "    }",
        "}",
      ].join("\n"),
    );
  const fallback = [
    "server {",
    `    listen ${ASLEEP_PAGES_PORT} default_server;`,
    "    server_name _;",
    "    location = /healthz {",
    "        default_type text/plain;",
    '        return 200 "ok\\n";',
    "    }",
    "    location / {",
    "        return 404;",
    "    }",
    "}",
  ].join("\n");
  return `# hubfleet: the pages of the fleet's sleeping hubs (rendered; do not edit)\n${[fallback, ...servers].join("\n\n")}\n`;
}

/** The ConfigMap, Service and Deployment of the page server, or nothing when every hub is awake. */
export function renderAsleepPages(
  fleet: FleetModel,
  sleeping: readonly SleepingHub[],
): KubeObject[] {
  if (sleeping.length === 0) return [];
  const labels = {
    ...fleetLabels(fleet),
    [NAME_LABEL]: ASLEEP_PAGES,
    [SLEEP_LABEL]: ASLEEP_PAGE_ROLE,
  };
  const selector = { [NAME_LABEL]: ASLEEP_PAGES };
  const data: Record<string, string> = {
    [PAGES_CONFIG_KEY]: asleepPagesConfig(fleet, sleeping),
  };
  const sorted = [...sleeping].sort((a, b) => a.hub.name.localeCompare(b.hub.name));
  for (const s of sorted) data[pageKey(s.hub.name)] = asleepPageHtml(s);
  const hash = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
  const meta = { name: ASLEEP_PAGES, namespace: SHARED_NAMESPACE, labels };
  const configMap: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: meta, data };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta,
    spec: {
      selector,
      ports: [{ name: "http", port: ASLEEP_PAGES_PORT, targetPort: "http" }],
    },
  };
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta,
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          // nginx reads its config once: a new page restarts it.
          annotations: { [CONFIG_HASH_ANNOTATION]: hash },
        },
        spec: {
          nodeSelector: clusterToolsNodeSelector(),
          automountServiceAccountToken: false,
          containers: [
            {
              name: "nginx",
              image: ASLEEP_PAGES_IMAGE,
              ports: [{ name: "http", containerPort: ASLEEP_PAGES_PORT }],
              readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
              resources: {
                requests: { cpu: "10m", memory: "16Mi" },
                limits: { memory: "64Mi" },
              },
              securityContext: {
                ...RESTRICTED_CONTAINER,
                runAsUser: 101,
                runAsGroup: 101,
                readOnlyRootFilesystem: true,
              },
              volumeMounts: [
                { name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true },
                { name: "pages", mountPath: PAGES_DIR, readOnly: true },
                // pid file and temporary files of nginx-unprivileged.
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            {
              name: "config",
              configMap: {
                name: ASLEEP_PAGES,
                items: [{ key: PAGES_CONFIG_KEY, path: PAGES_CONFIG_KEY }],
              },
            },
            {
              name: "pages",
              configMap: {
                name: ASLEEP_PAGES,
                items: sorted.map((s) => ({ key: pageKey(s.hub.name), path: pageKey(s.hub.name) })),
              },
            },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
  return [configMap, service, deployment];
}
