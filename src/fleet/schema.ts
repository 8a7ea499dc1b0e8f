/**
 * The fleet file's schema: one place that says what every field means and what it defaults to.
 * The JSON Schema editors use (schema/fleet.schema.json) is generated from it.
 */
import { z } from "zod";
import { instanceTypeNames } from "./instanceTypes.js";
import { isQuantity } from "./quantity.js";

export const API_VERSION = "hubfleet/v1alpha1";

/** Kubernetes minors EKS and eksctl support for new clusters, oldest first. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35", "1.36"] as const;
export const DEFAULT_KUBERNETES_VERSION = "1.34";

export const NODE_GROUP_NAMES = ["clustertools", "jhcontrolplane", "jhusers"] as const;
export type NodeGroupName = (typeof NODE_GROUP_NAMES)[number];

const quantity = (what: string) =>
  z.string().refine(isQuantity, {
    message: `${what} must be a Kubernetes quantity such as "500m", "2", "512Mi" or "4Gi"`,
  });

const cpuQuantity = quantity("a CPU amount");
const memoryQuantity = quantity("a memory amount");

const nodeGroupFields = {
  instanceType: z
    .enum(instanceTypeNames as [string, ...string[]])
    .describe("EC2 instance type of the group's nodes (one of the types hubfleet knows)."),
  minSize: z.int().min(0).describe("Fewest nodes the autoscaler keeps."),
  maxSize: z.int().min(1).describe("Most nodes the autoscaler may start."),
  desiredCapacity: z
    .int()
    .min(0)
    .optional()
    .describe("Nodes to start with; defaults to minSize (at least 1 for the core groups)."),
  volumeSize: z.int().min(20).max(16384).default(30).describe("Root disk size of each node, GiB."),
};

const nodeGroup = (defaults: { instanceType: string; minSize: number; maxSize: number }) =>
  z
    .object({
      ...nodeGroupFields,
      instanceType: nodeGroupFields.instanceType.default(defaults.instanceType),
      minSize: nodeGroupFields.minSize.default(defaults.minSize),
      maxSize: nodeGroupFields.maxSize.default(defaults.maxSize),
    })
    .strict();

const clusterSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-zA-Z][-a-zA-Z0-9]*$/, {
        message: "must start with a letter and hold only letters, digits and '-'",
      })
      .max(100)
      .describe(
        "Cluster name: the EKS cluster, the autoscaler's discovery tags and the fleet label.",
      ),
    provider: z
      .enum(["eks", "local"])
      .default("eks")
      .describe("Where the cluster runs: 'eks' (AWS) or 'local' (a kind cluster on a laptop)."),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, {
        message: "must be an AWS region such as us-west-2",
      })
      .default("us-west-2")
      .describe("AWS region."),
    availabilityZones: z
      .array(z.string())
      .min(2)
      .optional()
      .describe(
        "Availability zones of the cluster (EKS needs at least two). Default: <region>a, <region>b.",
      ),
    kubernetesVersion: z
      .enum(SUPPORTED_KUBERNETES_VERSIONS)
      .default(DEFAULT_KUBERNETES_VERSION)
      .describe('Kubernetes minor version of the control plane, e.g. "1.34" (quote it in YAML).'),
    serviceCIDR: z
      .string()
      .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, {
        message: "must be an IPv4 CIDR such as 10.100.0.0/16",
      })
      .default("10.100.0.0/16")
      .describe("Service IP range; hubfleet picks each drive's stable ClusterIP inside it."),
    nodeCIDR: z
      .string()
      .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, {
        message: "must be an IPv4 CIDR such as 192.168.0.0/16",
      })
      .optional()
      .describe(
        "IP range of the nodes (the VPC CIDR on EKS): kubelets mount drives from here. Default: 192.168.0.0/16 (eksctl's VPC) on eks, 172.16.0.0/12 on local.",
      ),
    nodeGroups: z
      .object({
        clustertools: nodeGroup({ instanceType: "t3a.medium", minSize: 1, maxSize: 2 })
          .describe(
            "Cluster tools: ingress, autoscaler, backups, monitoring. Default t3a.medium, 1..2.",
          )
          .prefault({}),
        jhcontrolplane: nodeGroup({ instanceType: "t3a.medium", minSize: 1, maxSize: 3 })
          .extend({
            availabilityZone: z
              .string()
              .optional()
              .describe(
                "The ONE zone of the core group (EBS volumes are zonal). Default: the first cluster zone.",
              ),
          })
          .describe(
            "Hubs, proxies, drives: every pod with a volume; one zone. Default t3a.medium, 1..3.",
          )
          .prefault({}),
        jhusers: nodeGroup({ instanceType: "t3a.large", minSize: 0, maxSize: 10 })
          .extend({
            spot: z.boolean().default(false).describe("Run user servers on spot instances."),
          })
          .describe(
            "User servers and placeholders only; tainted; scales to zero. Default t3a.large, 0..10.",
          )
          .prefault({}),
      })
      .strict()
      .prefault({})
      .describe("The three node groups of the architecture."),
  })
  .strict()
  .describe("The Kubernetes cluster: where it runs and its three node groups.");

const tlsSchema = z
  .object({
    secretName: z
      .string()
      .optional()
      .describe("An existing kubernetes.io/tls Secret (in each hub's namespace) to use."),
    certFile: z
      .string()
      .optional()
      .describe("PEM certificate file (relative to the fleet file); hubfleet creates the Secret."),
    keyFile: z.string().optional().describe("PEM private key file matching certFile."),
  })
  .strict()
  .describe("TLS for the hub URLs: secretName, or certFile + keyFile. Omit for plain HTTP.");

const domainSchema = z
  .object({
    host: z.string().describe("Host name the hubs are served under, e.g. hubs.example.edu."),
    routing: z
      .enum(["path", "subdomain"])
      .default("path")
      .describe(
        "'path': https://<host>/<hub>/ ; 'subdomain': https://<hub>.<host>/ (safer cookies).",
      ),
    tls: tlsSchema.optional(),
  })
  .strict()
  .describe("Where the hubs are reached: host name, routing mode and TLS.");

const toolSchema = (what: string, enabledByDefault: boolean) =>
  z
    .object({
      enabled: z.boolean().default(enabledByDefault).describe(`Install ${what}.`),
      chartVersion: z
        .string()
        .optional()
        .describe("Chart version; defaults to the version this hubfleet release pins."),
    })
    .strict()
    .describe(`${what.charAt(0).toUpperCase()}${what.slice(1)}.`)
    .prefault({});

const toolsSchema = z
  .object({
    ingress: toolSchema("the ingress controller", true),
    autoscaler: toolSchema("the cluster-autoscaler (EKS only)", true),
    backups: toolSchema("Velero backups (EKS only)", true),
    monitoring: toolSchema("Prometheus and Grafana with the fleet dashboard", true),
  })
  .strict()
  .describe("Cluster tools, all on the clustertools group.");

const secretRef = z
  .object({
    secretName: z.string().min(1).describe("Secret in the hub's namespace."),
    key: z.string().min(1).default("client-secret").describe("Key inside the Secret."),
  })
  .strict()
  .describe("A reference to a Kubernetes Secret; secret values never go in the fleet file.");

const allowedUsers = z.array(z.string()).default([]).describe("Users allowed to log in.");

const authenticatorSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("github").describe("GitHub OAuth."),
        clientId: z.string().min(1).describe("GitHub OAuth app client id."),
        clientSecret: secretRef,
        allowedOrganizations: z
          .array(z.string())
          .default([])
          .describe("GitHub organizations (or org:team) whose members may log in."),
        allowedUsers,
      })
      .strict(),
    z
      .object({
        type: z.literal("oidc").describe("Generic OAuth2 / OpenID Connect."),
        clientId: z.string().min(1).describe("OAuth client id."),
        clientSecret: secretRef,
        authorizeUrl: z.url().describe("Authorization endpoint."),
        tokenUrl: z.url().describe("Token endpoint."),
        userdataUrl: z.url().describe("Userinfo endpoint."),
        usernameClaim: z
          .string()
          .default("preferred_username")
          .describe("Claim used as user name."),
        scopes: z.array(z.string()).default(["openid", "profile", "email"]).describe("Scopes."),
        allowedUsers,
      })
      .strict(),
    z
      .object({
        type: z.literal("lti13").describe("LTI 1.3 launches from a learning management system."),
        issuer: z.string().min(1).describe("The LMS platform's issuer id."),
        clientId: z.string().min(1).describe("Client id the LMS assigned to this tool."),
        authorizeUrl: z.url().describe("The LMS's OIDC authorization endpoint."),
        jwksEndpoint: z.url().describe("The LMS's public key set URL."),
        usernameKey: z.string().default("sub").describe("Launch claim used as user name."),
      })
      .strict(),
    z
      .object({ type: z.literal("dummy").describe("Anyone may log in (local clusters only).") })
      .strict()
      .describe("Anyone may log in. Refused unless cluster.provider is 'local'."),
  ])
  .describe("How users log in: github, oidc (generic OAuth2/OIDC), lti13 (LMS launch) or dummy.");

/** Settings a hub takes from hubDefaults unless it sets them itself. */
const hubSettingFields = {
  admins: z.array(z.string()).describe("User names with admin rights on the hub."),
  authenticator: authenticatorSchema,
  image: z
    .object({
      name: z.string().describe("Single-user image repository."),
      tag: z.string().describe("Image tag; pin it (never 'latest')."),
    })
    .partial()
    .strict()
    .describe("Single-user server image."),
  resources: z
    .object({
      cpu: z
        .object({
          guarantee: cpuQuantity.describe("CPU reserved for each user (request)."),
          limit: cpuQuantity.describe("Most CPU one user may use."),
        })
        .partial()
        .strict()
        .describe("CPU per user, in cores."),
      memory: z
        .object({
          guarantee: memoryQuantity.describe("Memory reserved for each user (request)."),
          limit: memoryQuantity.describe(
            "Most memory one user may use; beyond it the server is killed.",
          ),
        })
        .partial()
        .strict()
        .describe("Memory per user."),
    })
    .partial()
    .strict()
    .describe("Per-user CPU and memory."),
  drive: z
    .object({
      size: memoryQuantity.describe("Size of the hub's shared NFS drive."),
      storageClass: z
        .string()
        .describe(
          "StorageClass of the drive's volume. Default: hubfleet-drive, which hubfleet creates (EBS gp3, reclaim policy Retain).",
        ),
      clusterIP: z
        .string()
        .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, {
          message: "must be an IPv4 address",
        })
        .describe(
          "Pin the drive Service's ClusterIP (inside cluster.serviceCIDR). Default: derived from the hub name.",
        ),
      sharedFolder: z
        .boolean()
        .describe("Mount a shared folder: read-write for admins, read-only for users."),
    })
    .partial()
    .strict()
    .describe("The hub's NFS drive holding every user's home."),
  placeholders: z.int().min(0).max(500).describe("User placeholder pods keeping warm capacity."),
  internetAccess: z
    .boolean()
    .describe(
      "Let user servers reach the internet (public IPs). Other hubs and private IPs stay blocked.",
    ),
  culling: z
    .object({
      timeout: z.int().min(60).describe("Seconds of inactivity before a user server is stopped."),
      every: z.int().min(10).describe("Seconds between culler runs."),
    })
    .partial()
    .strict()
    .describe("Stopping idle user servers."),
  expectedUsers: z.int().min(1).describe("Users expected on the hub (for capacity planning)."),
  extraValues: z
    .record(z.string(), z.unknown())
    .describe("Extra zero-to-jupyterhub Helm values, merged last (escape hatch)."),
};

export const HUB_SETTING_DEFAULTS = {
  admins: [] as string[],
  image: { name: "quay.io/jupyter/scipy-notebook", tag: "2025-10-20" },
  resources: {
    cpu: { guarantee: "0.5", limit: "2" },
    memory: { guarantee: "1Gi", limit: "2Gi" },
  },
  drive: { size: "10Gi", storageClass: "hubfleet-drive", sharedFolder: true },
  placeholders: 0,
  internetAccess: true,
  culling: { timeout: 3600, every: 300 },
  expectedUsers: 30,
  extraValues: {} as Record<string, unknown>,
};

const hubDefaultsSchema = z
  .object(hubSettingFields)
  .partial()
  .strict()
  .describe(
    "Settings every hub takes unless it sets them itself. Defaults: 0.5/2 CPU, 1Gi/2Gi memory, " +
      "10Gi drive on gp3, no placeholders, culling after 3600 s, 30 expected users.",
  );

export const HUB_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const hubSchema = z
  .object({
    name: z
      .string()
      .describe("Hub name = namespace = Helm release = URL path or subdomain (DNS-1123 label)."),
    title: z
      .string()
      .optional()
      .describe("Human title shown on the hub's pages. Default: the name."),
    ...hubSettingFields,
  })
  .partial()
  .required({ name: true })
  .strict();

export const fleetSchema = z
  .object({
    $schema: z.string().optional().describe("JSON Schema reference for editors."),
    apiVersion: z.literal(API_VERSION).describe("Always hubfleet/v1alpha1."),
    kind: z.literal("Fleet").describe("Always Fleet."),
    cluster: clusterSchema,
    domain: domainSchema,
    tools: toolsSchema.prefault({}),
    hubDefaults: hubDefaultsSchema.prefault({}),
    hubs: z.array(hubSchema).default([]).describe("The hubs of the fleet."),
  })
  .strict()
  .describe("A hubfleet fleet file: one cluster and the JupyterHubs on it.");

export type FleetInput = z.input<typeof fleetSchema>;
export type FleetSpec = z.output<typeof fleetSchema>;
export type HubSpec = FleetSpec["hubs"][number];
export type Authenticator = z.output<typeof authenticatorSchema>;
export type TlsSpec = z.output<typeof tlsSchema>;
