# A test-only stand-in for the zero-to-jupyterhub chart's hub configuration (NOT the chart's
# code). In a real hub pod the chart's jupyterhub_config.py turns the release's values into
# JupyterHub configuration; that file ships only inside the chart, which no registry reachable
# from the test machines serves. This stand-in does the same translation for the value keys
# hubfleet renders, so that the real JupyterHub, KubeSpawner and authenticators read exactly
# what a hub installed by hubfleet would give them. What it maps, and what it leaves out, is
# listed in test/hub/README.md.
#
# Environment (set by test/hub/realHub.ts):
#   HUBFLEET_Z2JH_VALUES   the release's values as JSON or YAML (helm get values -o json)
#   HUBFLEET_Z2JH_RELEASE  the release name (= the hub's namespace)
#   HUBFLEET_HUB_DIR       a working directory for the database and the cookie file
#   HUBFLEET_HUB_PORT, HUBFLEET_PROXY_API_PORT, HUBFLEET_HUB_API_PORT  local ports
#   HUBFLEET_HUB_CONNECT_URL  how user servers reach the hub API (default: the bind URL)
#   HUBFLEET_USER_SERVER_PORT  the port user servers listen on (default KubeSpawner's 8888): the
#                          harness's one stand-in listener, on a free port so that test files
#                          running at the same time do not collide
#   HUBFLEET_HARNESS_TOKEN an API token for the test itself (a service "hubfleet-test-harness"
#                          with admin scopes; harness only, not part of the chart's mapping)
import json
import os
import re

import yaml

c = get_config()  # noqa: F821 (traitlets provides get_config to config files)

with open(os.environ["HUBFLEET_Z2JH_VALUES"]) as f:
    values = yaml.safe_load(f) or {}
release = os.environ["HUBFLEET_Z2JH_RELEASE"]
workdir = os.environ["HUBFLEET_HUB_DIR"]


def value(path, default=None):
    """The value at a dotted path, or default when any part is missing. A key that is present
    with a null value counts as present (the chart's get_config does the same)."""
    node = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_if_present(section, trait, path):
    v = value(path)
    if v is not None:
        section[trait] = v


def camel(name):
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


# --- the hub process itself: local ports instead of the chart's Services ---------------------
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
c.JupyterHub.db_url = f"sqlite:///{workdir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{workdir}/jupyterhub_cookie_secret"
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["HUBFLEET_HUB_PORT"])
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ['HUBFLEET_HUB_API_PORT']}"
c.JupyterHub.hub_connect_url = os.environ.get(
    "HUBFLEET_HUB_CONNECT_URL", f"http://127.0.0.1:{os.environ['HUBFLEET_HUB_API_PORT']}"
)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['HUBFLEET_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.should_start = True  # the real configurable-http-proxy, from npm
c.JupyterHub.cleanup_servers = True
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}  # as the chart sets it

# --- c.JupyterHub from hub.* keys, as the chart maps them ------------------------------------
for trait in (
    "concurrent_spawn_limit",
    "active_server_limit",
    "base_url",
    "allow_named_servers",
    "named_server_limit_per_user",
    "authenticate_prometheus",
    "redirect_to_server",
    "shutdown_on_logout",
):
    set_if_present(c.JupyterHub, trait, "hub." + camel(trait))

# --- user pods: labels, namespace, singleuser.* → KubeSpawner ----------------------------------
# The chart takes `app` from nameOverride when that key is present at all, even when blank.
app = value("nameOverride") if "nameOverride" in values else None
app = app if app is not None else "jupyterhub"
labels = c.KubeSpawner.common_labels = {}
labels["app.kubernetes.io/name"] = labels["app"] = app
labels["app.kubernetes.io/instance"] = labels["release"] = release
labels["app.kubernetes.io/managed-by"] = "kubespawner"
c.KubeSpawner.namespace = release
if os.environ.get("HUBFLEET_USER_SERVER_PORT"):
    c.KubeSpawner.port = int(os.environ["HUBFLEET_USER_SERVER_PORT"])

for trait, key in (
    ("start_timeout", None),
    ("extra_labels", None),
    ("extra_annotations", None),
    ("uid", None),
    ("fs_gid", None),
    ("node_selector", None),
    ("init_containers", None),
    ("extra_containers", None),
    ("mem_limit", "memory.limit"),
    ("mem_guarantee", "memory.guarantee"),
    ("cpu_limit", "cpu.limit"),
    ("cpu_guarantee", "cpu.guarantee"),
    ("environment", "extraEnv"),
    ("profile_list", None),
    ("extra_pod_config", None),
):
    set_if_present(c.KubeSpawner, trait, "singleuser." + (key or camel(trait)))

image = value("singleuser.image.name")
if image:
    tag = value("singleuser.image.tag")
    c.KubeSpawner.image = f"{image}:{tag}" if tag else image

# Names the chart gives these objects when fullnameOverride is "" (hubfleet's setting).
if value("scheduling.userScheduler.enabled"):
    c.KubeSpawner.scheduler_name = f"{release}-user-scheduler"
if value("scheduling.podPriority.enabled"):
    c.KubeSpawner.priority_class_name = f"{release}-default-priority"

if value("scheduling.userPods.nodeAffinity.matchNodePurpose") == "require":
    c.KubeSpawner.node_affinity_required = [
        {
            "matchExpressions": [
                {"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]}
            ]
        }
    ]
# The chart's default scheduling.userPods.tolerations: the user nodes' taint.
c.KubeSpawner.tolerations = value(
    "scheduling.userPods.tolerations",
    [
        {"key": k, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
        for k in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated")
    ],
) + (value("singleuser.extraTolerations") or [])

# Volumes: the chart builds dicts keyed by name (and, for mounts, index-name), not lists.
if value("singleuser.storage.type") not in (None, "none"):
    raise SystemExit(
        "z2jh stand-in: singleuser.storage.type other than none is not mapped (hubfleet sets none)"
    )
volumes = {}
mounts = {}
extra_volumes = value("singleuser.storage.extraVolumes") or {}
if isinstance(extra_volumes, dict):
    volumes.update(extra_volumes)
else:
    for volume in extra_volumes:
        volumes[volume["name"]] = volume
extra_mounts = value("singleuser.storage.extraVolumeMounts") or {}
if isinstance(extra_mounts, dict):
    mounts.update(extra_mounts)
else:
    for index, mount in enumerate(extra_mounts):
        mounts[f"{index}-{mount['name']}"] = mount
c.KubeSpawner.volumes = volumes
c.KubeSpawner.volume_mounts = mounts

set_if_present(c.Spawner, "default_url", "singleuser.defaultUrl")
if "cmd" in (value("singleuser") or {}):
    c.Spawner.cmd = value("singleuser.cmd")

# --- services and roles ----------------------------------------------------------------------
c.JupyterHub.services = []
c.JupyterHub.load_roles = []
for name, service in (value("hub.services") or {}).items():
    service = dict(service)
    service.setdefault("name", name)
    token = service.pop("apiToken", None)
    if token:
        service["api_token"] = token
    c.JupyterHub.services.append(service)
for name, role in (value("hub.loadRoles") or {}).items():
    role = dict(role)
    role.setdefault("name", name)
    c.JupyterHub.load_roles.append(role)

# The test's own token (harness only): what an operator's admin token would be.
if os.environ.get("HUBFLEET_HARNESS_TOKEN"):
    c.JupyterHub.services.append(
        {"name": "hubfleet-test-harness", "api_token": os.environ["HUBFLEET_HARNESS_TOKEN"]}
    )
    c.JupyterHub.load_roles.append(
        {
            "name": "hubfleet-test-harness",
            "scopes": ["admin:users", "admin:servers", "access:servers", "read:hub"],
            "services": ["hubfleet-test-harness"],
        }
    )

# --- hub.config passes through as traitlets configuration, then hub.extraConfig runs ----------
for section, settings in (value("hub.config") or {}).items():
    if not section[:1].isupper():
        raise SystemExit(f"z2jh stand-in: hub.config.{section} is not a Configurable class name")
    settings = dict(settings)
    if section == "JupyterHub":
        for ignored in ("proxy_auth_token", "services"):
            settings.pop(ignored, None)
    c[section].update(settings)

proxy_token = value("proxy.secretToken")
if proxy_token:
    c.ConfigurableHTTPProxy.auth_token = proxy_token

for key, code in sorted((value("hub.extraConfig") or {}).items()):
    exec(compile(code, f"hub.extraConfig.{key}", "exec"))

print("z2jh stand-in: loaded values for release " + json.dumps(release))
