/**
 * The fleet file's schema: one place that says what every field means and what it defaults to.
 * The JSON Schema editors use (schema/fleet.schema.json) is generated from it.
 */
import { IANAZone } from "luxon";
import { z } from "zod";
import {
  AUTOSCALER_CHART,
  CERT_MANAGER_CHART,
  type ChartRef,
  KARPENTER_CHART,
  KUBE_PROMETHEUS_STACK_CHART,
  TRAEFIK_CHART,
  VELERO_CHART,
} from "../vocabulary/charts.js";
import {
  DEFAULT_Z2JH_VERSION,
  unknownZ2jhVersion,
  z2jhVersionData,
} from "../vocabulary/z2jhVersions.js";
import { lookupInstanceType, unknownInstanceType } from "./instanceTypes.js";
import { priceFileSchema } from "./priceTable.js";
import { type QuantityKind, quantityProblem } from "./quantity.js";

export const API_VERSION = "hubfleet/v1alpha1";

/** Kubernetes minors EKS and eksctl support for new clusters, oldest first. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35", "1.36"] as const;
export const DEFAULT_KUBERNETES_VERSION = "1.34";

export const NODE_GROUP_NAMES = ["clustertools", "jhcontrolplane", "jhusers"] as const;
export type NodeGroupName = (typeof NODE_GROUP_NAMES)[number];
/** The optional fourth group: GPU user servers (cluster.nodeGroups.jhgpu). */
export const GPU_GROUP = "jhgpu";
export type AnyNodeGroupName = NodeGroupName | typeof GPU_GROUP;

/**
 * A Kubernetes quantity of one kind, checked to be one and to be above zero (at least zero for
 * a guarantee: no reservation is a choice). Each kind says what it measures and how to write it.
 */
const quantity = (kind: QuantityKind, options: { readonly zeroAllowed?: boolean } = {}) =>
  z.string().superRefine((text, ctx) => {
    const problem = quantityProblem(text, kind, options.zeroAllowed ?? false);
    if (problem) ctx.addIssue({ code: "custom", message: problem.message, params: problem });
  });

/**
 * CPU in cores. The chart takes a number as well as a string here, so a bare `2` or `0.5` is
 * accepted; the model reads it as the quantity "2" or "0.5" (model.ts), so the rendered values
 * are those of the quoted form. (No transform here: it would drop defaults from the JSON Schema.)
 */
const cpuQuantity = (options: { readonly zeroAllowed?: boolean } = {}) =>
  z.union([z.number(), z.string()]).superRefine((value, ctx) => {
    const problem = quantityProblem(String(value), "cpu", options.zeroAllowed ?? false);
    if (problem) ctx.addIssue({ code: "custom", message: problem.message, params: problem });
  });

const ipv4Address = z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, {
  message: "must be an IPv4 address",
});

const memoryQuantity = (options: { readonly zeroAllowed?: boolean } = {}) =>
  quantity("memory", options);
const storageSize = quantity("storage");

const nodeGroupFields = {
  // A string checked against the generated table rather than an enum of 700-odd names: an
  // unknown name gets one "did you mean", not the whole list.
  instanceType: z
    .string()
    .superRefine((name, ctx) => {
      if (lookupInstanceType(name)) return;
      const { message, hint } = unknownInstanceType(name);
      ctx.addIssue({ code: "custom", message, params: { hint } });
    })
    .meta({ examples: ["t3a.large", "m7i.xlarge", "m7g.xlarge", "g5.xlarge"] })
    .describe(
      "EC2 instance type of the group's nodes: any current m, c, r, t, x, z, g or p type (data/instance-types.json).",
    ),
  minSize: z.int().min(0).describe("Fewest nodes the autoscaler keeps."),
  maxSize: z.int().min(1).describe("Most nodes the autoscaler may start."),
  desiredCapacity: z
    .int()
    .min(0)
    .optional()
    .describe("Nodes to start with; defaults to minSize (at least 1 for the core groups)."),
  volumeSize: z.int().min(20).max(16384).default(30).describe("Root disk size of each node, GiB."),
  maxPodsPerNode: z
    .int()
    .min(1)
    .max(250)
    .optional()
    .describe(
      "Pods per node (kubelet's maxPods). Default: the VPC CNI's limit for the instance type. Above that limit hubfleet turns on the VPC CNI's prefix delegation; EKS recommends at most 110 below 30 vCPUs and 250 above.",
    ),
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
    podCIDR: z
      .string()
      .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, {
        message: "must be an IPv4 CIDR such as 100.64.0.0/16",
      })
      .optional()
      .describe(
        "eks: the pods' own address range (VPC CNI custom networking: a secondary VPC CIDR, outside nodeCIDR), so the drives' NFS rule (nodeCIDR) admits no pod. Needs podSubnets. Default: none — pods share the node range (VPC CNI default networking) and every pod without an egress rule can reach the drives.",
      ),
    podSubnets: z
      .record(
        z.string(),
        z.string().regex(/^subnet-[0-9a-f]{8,17}$/, {
          message: "must be a subnet id such as subnet-0123456789abcdef0",
        }),
      )
      .optional()
      .describe(
        "eks, with podCIDR: for each availability zone of the cluster, the subnet (inside podCIDR) its pods take addresses from; becomes the VPC CNI's ENIConfig for that zone.",
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
        jhgpu: nodeGroup({ instanceType: "g5.xlarge", minSize: 0, maxSize: 2 })
          .extend({
            spot: z.boolean().default(false).describe("Run GPU servers on spot instances."),
            // GPU notebook images (CUDA libraries) are several GiB each.
            volumeSize: nodeGroupFields.volumeSize
              .default(100)
              .describe("Root disk size of each node, GiB. Default 100 (GPU images are large)."),
          })
          .optional()
          .describe(
            "Optional: GPU user servers of the hubs with a gpu profile; NVIDIA GPU types only; tainted nvidia.com/gpu; scales to zero. Default g5.xlarge, 0..2.",
          ),
      })
      .strict()
      .prefault({})
      .describe("The three node groups of the architecture, and an optional GPU group."),
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

/**
 * A tool's Helm chart version: exact (x.y.z with an optional pre-release), never a range or
 * "latest". The default is the tool's pin (src/vocabulary/charts.ts).
 */
const chartVersionOf = (chart: ChartRef) =>
  z
    .string()
    .default(chart.version)
    .describe(
      `Chart version of ${chart.name}, exact (e.g. 1.2.3; no ranges, no 'latest'). Default: ${chart.version}, the version this hubfleet release pins and tests.`,
    );

/**
 * A hub's z2jh chart version: one hubfleet has a key tree for (data/z2jh/<version>.json), read
 * lazily like the instance types. The JSON Schema lists them as an enum (jsonSchema.ts).
 */
export const z2jhChartVersion = z
  .string()
  .superRefine((version, ctx) => {
    if (z2jhVersionData(version)) return;
    const { message, hint } = unknownZ2jhVersion(version);
    ctx.addIssue({ code: "custom", message, params: { hint } });
  })
  .describe(
    `Version of the zero-to-jupyterhub chart (jupyterhub from https://hub.jupyter.org/helm-chart/): one with a key tree in data/z2jh/. Default: ${DEFAULT_Z2JH_VERSION}.`,
  );

const duration = (what: string) =>
  z.string().regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, {
    message: `${what} must be a duration such as "10m", "1h30m" or "720h"`,
  });

const stringMap = z.record(z.string(), z.string());

const ingressToolSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Install the ingress controller (Traefik). Without it, run your own for IngressClass traefik.",
      ),
    chartVersion: chartVersionOf(TRAEFIK_CHART),
    replicas: z.int().min(1).max(10).default(2).describe("Ingress controller pods."),
    serviceType: z
      .enum(["LoadBalancer", "NodePort", "ClusterIP"])
      .default("LoadBalancer")
      .describe("Type of the controller's Service: how traffic reaches the cluster."),
    awsLoadBalancer: z
      .enum(["nlb", "nlb-internal", "none"])
      .default("nlb")
      .describe(
        "On EKS with serviceType LoadBalancer: an internet-facing ('nlb') or internal ('nlb-internal') AWS Network Load Balancer, or 'none' for the cloud's default.",
      ),
    serviceAnnotations: stringMap
      .default({})
      .describe("Extra annotations on the controller's Service (merged over the NLB ones)."),
  })
  .strict()
  .describe("The ingress controller (Traefik) every hub's URL goes through.")
  .prefault({});

const certManagerToolSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe("Install cert-manager and get the hubs' certificates from an ACME CA."),
    chartVersion: chartVersionOf(CERT_MANAGER_CHART),
    email: z
      .email()
      .optional()
      .describe("Contact e-mail for the ACME account (required when enabled)."),
    server: z
      .enum(["production", "staging"])
      .default("production")
      .describe("Let's Encrypt production or staging (for trying things out)."),
  })
  .strict()
  .describe(
    "cert-manager with a Let's Encrypt issuer (HTTP-01 through the ingress). Replaces domain.tls.",
  )
  .prefault({});

/** The programs that can add and remove user nodes (docs/design.md, "Karpenter beside cluster-autoscaler"). */
export const AUTOSCALER_ENGINES = ["cluster-autoscaler", "karpenter"] as const;
export type AutoscalerEngine = (typeof AUTOSCALER_ENGINES)[number];

const karpenterSchema = z
  .object({
    chartVersion: chartVersionOf(KARPENTER_CHART),
    consolidationPolicy: z
      .enum(["WhenEmptyOrUnderutilized", "WhenEmpty"])
      .default("WhenEmptyOrUnderutilized")
      .describe(
        "Which user nodes Karpenter may remove: empty ones only, or also underused ones whose pods fit elsewhere. A node with a running user server is never removed either way.",
      ),
    disruptionBudget: z
      .string()
      .regex(/^([0-9]+|[0-9]+%)$/, {
        message: 'must be a node count or a percentage such as "10%"',
      })
      .default("10%")
      .describe("How many user nodes Karpenter may be removing at once (count or percentage)."),
    interruptionQueue: z
      .boolean()
      .default(true)
      .describe(
        "Let eksctl create the SQS queue of EC2 interruption events (spot reclaims, maintenance) that Karpenter drains nodes ahead of.",
      ),
  })
  .strict()
  .describe(
    "Karpenter settings (with engine: karpenter). scaleDownUnneededTime is the NodePools' consolidateAfter.",
  )
  .prefault({});

const autoscalerToolSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("Install the autoscaler (EKS only; ignored on local)."),
    engine: z
      .enum(AUTOSCALER_ENGINES)
      .default("cluster-autoscaler")
      .describe(
        "cluster-autoscaler scales the eksctl node groups; karpenter starts user (and GPU) nodes itself from NodePools.",
      ),
    karpenter: karpenterSchema,
    chartVersion: chartVersionOf(AUTOSCALER_CHART),
    imageTag: z
      .string()
      .regex(/^v[0-9]+\.[0-9]+\.[0-9]+$/, { message: "must be a tag such as v1.34.1" })
      .optional()
      .describe("Autoscaler image tag. Default: the release matching cluster.kubernetesVersion."),
    roleArn: z
      .string()
      .regex(/^arn:aws[-a-z]*:iam::[0-9]{12}:role\/.+$/, {
        message: "must be an IAM role ARN such as arn:aws:iam::123456789012:role/autoscaler",
      })
      .optional()
      .describe(
        "IAM role for the autoscaler's service account (IRSA). Default: the eksctl config creates the role and service account with the cluster.",
      ),
    expander: z
      .enum(["least-waste", "priority"])
      .default("least-waste")
      .describe("How the autoscaler picks a group to grow: least-waste or priority."),
    scaleDownUnneededTime: duration("scaleDownUnneededTime")
      .default("10m")
      .describe("How long a node must be unneeded before it is removed."),
    scaleDownDelayAfterAdd: duration("scaleDownDelayAfterAdd")
      .default("10m")
      .describe("How long after a scale-up before scale-down is considered again."),
  })
  .strict()
  .describe(
    "The autoscaler: cluster-autoscaler in kube-system finding the node groups by tag, or Karpenter in karpenter with NodePools for the user groups.",
  )
  .prefault({});

const emailAddress = z.string().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, {
  message: "must be an email address such as ops@example.edu",
});

/** An http(s) URL that names a host; anything else is refused with what to write instead. */
const httpUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL such as "https://alerts.example.edu/hook"' },
);

const alertReceiversSchema = z
  .object({
    email: z
      .object({
        to: z.array(emailAddress).min(1).describe("Who gets the alert emails."),
        from: emailAddress.describe("The sender address of the alert emails."),
        smarthost: z
          .string()
          .regex(/^[A-Za-z0-9]([-.A-Za-z0-9]*[A-Za-z0-9])?:[0-9]{1,5}$/, {
            message: 'must be an SMTP server as host:port, such as "smtp.example.edu:587"',
          })
          .describe("The SMTP server, host:port."),
        username: z
          .string()
          .min(1)
          .optional()
          .describe(
            "SMTP login; its password is the key smtp-password of the alerts Secret. Default: no login.",
          ),
        requireTls: z
          .boolean()
          .default(true)
          .describe("Refuse to send unless the SMTP server offers STARTTLS."),
      })
      .strict()
      .optional()
      .describe("Email every alert."),
    slack: z
      .object({
        channel: z
          .string()
          .min(1)
          .optional()
          .describe("Channel to post to. Default: the webhook's own channel."),
      })
      .strict()
      .optional()
      .describe(
        "Post every alert to Slack; the incoming webhook URL is the key slack-webhook-url of the alerts Secret.",
      ),
    pagerduty: z
      .object({})
      .strict()
      .optional()
      .describe(
        "Page for critical alerts (PagerDuty Events API v2); the integration's routing key is the key pagerduty-routing-key of the alerts Secret.",
      ),
    webhook: z
      .object({ url: httpUrl.describe("Where Alertmanager POSTs its webhook JSON.") })
      .strict()
      .optional()
      .describe("POST every alert to a URL (Alertmanager's webhook format), e.g. a chat relay."),
  })
  .strict()
  .prefault({});

const alertsSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Run Alertmanager and send the fleet's alerts to the receivers. The alert rules are installed with monitoring either way (visible in Prometheus).",
      ),
    secretName: z
      .string()
      .regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, { message: "must be a Kubernetes object name" })
      .default("hubfleet-alerts")
      .describe(
        "Secret in cluster-tools with the receivers' credentials (smtp-password, slack-webhook-url, pagerduty-routing-key); create it with `hubfleet secret set cluster-tools NAME`.",
      ),
    receivers: alertReceiversSchema.describe(
      "Where alerts go: at least one when alerts are enabled.",
    ),
  })
  .strict()
  .describe("Alerts that reach someone: Alertmanager and its receivers.")
  .prefault({});

const monitoringToolSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("Install Prometheus and Grafana (kube-prometheus-stack) with the fleet dashboard."),
    chartVersion: chartVersionOf(KUBE_PROMETHEUS_STACK_CHART),
    retention: z
      .string()
      // Prometheus' duration: units from years down to milliseconds, whole numbers, largest first.
      .regex(/^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$/, {
        message: 'must be a Prometheus duration such as "15d", "2w" or "720h"',
      })
      .refine((v) => v.length > 0 && v !== "0", { message: "must be longer than zero" })
      .default("15d")
      .describe("How long Prometheus keeps metrics."),
    storageSize: storageSize.default("50Gi").describe("Prometheus' volume size."),
    grafanaPath: z
      .string()
      .regex(/^\/[-a-z0-9/]*[-a-z0-9]$/, { message: 'must be a URL path such as "/grafana"' })
      .optional()
      .describe(
        "Serve Grafana at https://<host><grafanaPath> (path routing) or https://grafana.<host> (subdomain routing) when set. Default: not exposed (use kubectl port-forward).",
      ),
    alerts: alertsSchema,
  })
  .strict()
  .describe("Prometheus + Grafana with the JupyterHub fleet dashboard.")
  .prefault({});

const backupsToolSchema = z
  .object({
    enabled: z.boolean().default(true).describe("Install Velero (EKS only; ignored on local)."),
    chartVersion: chartVersionOf(VELERO_CHART),
    bucket: z
      .string()
      .optional()
      .describe(
        "S3 bucket for the backups (required when enabled on EKS; 3-63 lowercase letters, digits and hyphens); backup-setup creates it.",
      ),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, {
        message: "must be an AWS region such as us-west-2",
      })
      .optional()
      .describe("The bucket's region. Default: cluster.region."),
    prefix: z
      .string()
      .regex(/^[a-zA-Z0-9][-a-zA-Z0-9_/]*$/)
      .optional()
      .describe("Folder inside the bucket. Default: the cluster name."),
    schedule: z
      .string()
      .default("0 3 * * *")
      .describe(
        'When each hub is backed up, in UTC: cron "minute hour day-of-month month day-of-week" or @daily, @weekly, @every 12h.',
      ),
    ttl: duration("ttl").default("720h").describe("How long Velero keeps each backup."),
    expireAfterDays: z
      .int()
      .min(1)
      .default(90)
      .describe(
        "S3 lifecycle rule: backup records and old object versions older than this are deleted by S3 itself (Kopia's shared data is left to Velero). At least ttl.",
      ),
    roleArn: z
      .string()
      .regex(/^arn:aws[-a-z]*:iam::[0-9]{12}:role\/.+$/, {
        message: "must be an IAM role ARN such as arn:aws:iam::123456789012:role/velero",
      })
      .optional()
      .describe(
        "IAM role for Velero's service account (IRSA). Without it, backup-setup creates an IAM user and its credentials Secret.",
      ),
  })
  .strict()
  .describe("Velero backups of every hub (drive included) to S3.")
  .prefault({});

const kedaToolSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Install KEDA, which raises each scheduled hub's placeholders before its sessions (hubs[].warmUp); rendered only when a hub has a schedule with warmUp.enabled. Default true.",
      ),
  })
  .strict()
  .describe("KEDA (cron scaler) for the schedule-driven warm-up of placeholders.")
  .prefault({});

const toolsSchema = z
  .object({
    ingress: ingressToolSchema,
    certManager: certManagerToolSchema,
    autoscaler: autoscalerToolSchema,
    monitoring: monitoringToolSchema,
    backups: backupsToolSchema,
    keda: kedaToolSchema,
  })
  .strict()
  .describe(
    "Cluster tools, installed before the hubs: autoscaler in kube-system, Velero in velero, the rest in cluster-tools.",
  );

const secretRef = z
  .object({
    secretName: z.string().min(1).describe("Secret in the hub's namespace."),
    key: z.string().min(1).default("client-secret").describe("Key inside the Secret."),
  })
  .strict()
  .describe("A reference to a Kubernetes Secret; secret values never go in the fleet file.");

const allowedUsers = z
  .array(z.string())
  .default([])
  .describe("User names allowed to log in (as the authenticator names them).");

/** LTI 1.3 role URIs (LIS vocabulary) that make a launch's user an admin of the hub by default. */
export const LTI_INSTRUCTOR_ROLES = [
  "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
  "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
] as const;

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
        allowedTeams: z
          .array(z.string())
          .default([])
          .describe(
            'GitHub teams whose members may log in, as "org:team" with the team\'s slug from its URL (github.com/orgs/ORG/teams/SLUG). Needs the read:org scope, which hubfleet then asks for.',
          ),
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
        allowedGroups: z
          .array(z.string())
          .default([])
          .describe(
            "Members of these identity-provider groups may log in (read from groupsClaim of the userinfo answer). The hub's groups then follow the provider's at each login.",
          ),
        groupsClaim: z
          .string()
          .min(1)
          .default("groups")
          .describe(
            "Userinfo claim that lists a user's groups; dots reach into nested claims (e.g. realm_access.roles). Ask for the scope that releases it in scopes.",
          ),
        allowAll: z
          .boolean()
          .default(false)
          .describe(
            "Everyone the provider authenticates may log in. One of allowedUsers, allowedGroups or allowAll is required.",
          ),
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
        courses: z
          .array(z.string().min(1))
          .default([])
          .describe(
            "LMS course (context) ids whose launches enter this hub: the id of the launch's https://purl.imsglobal.org/spec/lti/claim/context claim. Every launch from a listed course is admitted; a launch from another course is refused. Empty: launches from any course of this tool registration enter.",
          ),
        adminRoles: z
          .array(z.string().min(1))
          .default([...LTI_INSTRUCTOR_ROLES])
          .describe(
            "LTI role URIs that make a launch's user an admin of this hub (default: the LIS Instructor and TeachingAssistant roles). Users launching without one of them are not admins, unless listed in admins.",
          ),
      })
      .strict(),
    z
      .object({ type: z.literal("dummy").describe("Anyone may log in (local clusters only).") })
      .strict()
      .describe("Anyone may log in. Refused unless cluster.provider is 'local'."),
  ])
  .describe("How users log in: github, oidc (generic OAuth2/OIDC), lti13 (LMS launch) or dummy.");

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM" on a 24-hour clock; "24:00" is the end of the day. */
export const CLOCK_TIME = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

const clockTime = (what: string) =>
  z.string().regex(CLOCK_TIME, {
    message: `${what} must be a time "HH:MM" on a 24-hour clock, such as "09:00" or "13:30"`,
  });

const sessionSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .describe("Days of the week the session takes place: mon, tue, wed, thu, fri, sat, sun."),
    start: clockTime("start").describe(
      'When the session starts, "HH:MM". All hubs\' times are in one time zone of your choice: plan-capacity only compares them with each other.',
    ),
    end: clockTime("end").describe(
      'When the session ends, "HH:MM" ("24:00" for midnight), after start on the same day.',
    ),
    users: z
      .int()
      .min(0)
      .optional()
      .describe(
        "Users with a server running during the session. Default: the hub's expectedUsers.",
      ),
  })
  .strict()
  .describe("One weekly class session of a hub.");

/** A calendar date, "YYYY-MM-DD". */
const calendarDate = (what: string) =>
  z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, {
    message: `${what} must be a date "YYYY-MM-DD", such as "2026-12-14"`,
  });

/** A term's first and last day, both inclusive, read in the hub's time zone. */
const termDates = {
  start: calendarDate("start").describe(
    "First day of the term (inclusive), in the hub's time zone.",
  ),
  end: calendarDate("end").describe("Last day of the term (inclusive), in the hub's time zone."),
};

/** A term of the fleet: a name hubs refer to with `term: <name>`. */
const termSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .describe('The term\'s name, e.g. "fall-2026"; hubs[].term refers to it.'),
    ...termDates,
  })
  .strict();

/**
 * How long before its term a hub wakes: whole days ("2d", calendar days in the hub's zone) and/or
 * a Go duration ("36h", "1d12h").
 */
export const WAKE_LEAD_PATTERN = /^(?:([0-9]+)d)?((?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h))*)$/;

/** Settings a hub takes from hubDefaults unless it sets them itself. */
const hubSettingFields = {
  chart: z
    .object({ version: z2jhChartVersion })
    .partial()
    .strict()
    .describe("The zero-to-jupyterhub chart the hub is installed from."),
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
          guarantee: cpuQuantity({ zeroAllowed: true }).describe(
            "CPU reserved for each user (request).",
          ),
          limit: cpuQuantity().describe("Most CPU one user may use."),
        })
        .partial()
        .strict()
        .describe("CPU per user, in cores."),
      memory: z
        .object({
          guarantee: memoryQuantity({ zeroAllowed: true }).describe(
            "Memory reserved for each user (request).",
          ),
          limit: memoryQuantity().describe(
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
      size: storageSize.describe("Size of the hub's shared NFS drive."),
      storageClass: z
        .string()
        .describe(
          "StorageClass of the drive's volume. Default: hubfleet-drive, which hubfleet creates (EBS gp3, reclaim policy Retain).",
        ),
      clusterIP: ipv4Address.describe(
        "Pin the drive Service's ClusterIP (inside cluster.serviceCIDR). Default: derived from the hub name.",
      ),
      sharedFolder: z
        .boolean()
        .describe("Mount a shared folder: read-write for admins, read-only for users."),
    })
    .partial()
    .strict()
    .describe("The hub's NFS drive holding every user's home."),
  datasets: z
    .array(z.string())
    .describe(
      "Data sets (names from the top-level datasets) mounted read-only into this hub's user servers at ~/datasets/<name>; a hub's list replaces hubDefaults'. Default: none.",
    ),
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
  peakUsers: z
    .int()
    .min(0)
    .describe(
      "Users with a server running at once at the hub's busiest moment, for a hub without a schedule; plan-capacity assumes that many all week (an upper bound). Default: expectedUsers.",
    ),
  schedule: z
    .array(sessionSchema)
    .describe(
      "Class sessions: when the hub's users work at once, every week. Sessions of all hubs that overlap add up; outside them the hub has idleUsers. Replaces peakUsers. Default: none.",
    ),
  idleUsers: z
    .int()
    .min(0)
    .describe(
      "For a hub with a schedule: servers running at any time of the week (students working on their own), on top of the sessions' users. Default 0.",
    ),
  timeZone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), {
      message: 'must be an IANA time zone such as "America/Los_Angeles", "Europe/Berlin" or "UTC"',
    })
    .describe(
      'The time zone the hub\'s schedule is in (IANA name, e.g. "America/Los_Angeles"); daylight saving time is followed. Set it once in hubDefaults for the fleet. Default: UTC.',
    ),
  warmUp: z
    .object({
      // No zod default: a hub setting only warmUp.enabled keeps hubDefaults' lead.
      lead: duration("warmUp.lead")
        .optional()
        .describe(
          "How long before each scheduled session the hub's capacity is warmed up (and changes to it are frozen). Default 30m.",
        ),
      enabled: z
        .boolean()
        .optional()
        .describe(
          "Raise the hub's placeholders before each session and lower them after it (rendered as a KEDA ScaledObject; needs tools.keda). Default true for a hub with a schedule.",
        ),
      nodeStartup: duration("warmUp.nodeStartup")
        .optional()
        .describe(
          "How long a new user node takes from the autoscaler's request until a user server runs on it (boot, join, image pull): the warm headroom covers the logins arriving in that time. Default 3m.",
        ),
      loginWindow: duration("warmUp.loginWindow")
        .optional()
        .describe(
          "Over how long a session's users log in once it starts (its login rate is users / loginWindow). Default 8m.",
        ),
    })
    .strict()
    .describe("Warm capacity before each scheduled session."),
  gpu: z
    .object({
      gpus: z
        .int()
        .min(1)
        .default(1)
        .describe("NVIDIA GPUs each GPU server gets (the pod's nvidia.com/gpu limit). Default 1."),
      displayName: z
        .string()
        .optional()
        .describe('The choice\'s name on the spawn page. Default: "GPU server (N × <GPU model>)".'),
      description: z.string().optional().describe("A line under the name on the spawn page."),
    })
    .strict()
    .describe(
      "Offer a GPU server beside the standard one (a z2jh profile): it runs on cluster.nodeGroups.jhgpu with nvidia.com/gpu. Default: none.",
    ),
  term: z
    .union([
      z.string().min(1).describe("The name of a term from the fleet's terms list."),
      z.object(termDates).strict().describe("The hub's own term."),
    ])
    .describe(
      "When the hub is in use: a term name from the fleet's terms, or {start, end}. Outside it (less wakeBeforeTerm) the hub sleeps: hub, proxy, drive server and placeholders at zero, its data kept, its URL answering with a page saying until when. Default: none (always awake).",
    ),
  wakeBeforeTerm: z
    .string()
    .refine((text) => text !== "" && WAKE_LEAD_PATTERN.test(text), {
      message: 'wakeBeforeTerm must be a duration such as "2d", "36h" or "1d12h"',
    })
    .describe(
      'How long before its term starts a hub wakes ("2d": from midnight two days before, so an apply run the day before the term wakes it). Default 2d.',
    ),
  extraValues: z
    .record(z.string(), z.unknown())
    .describe("Extra zero-to-jupyterhub Helm values, merged last (escape hatch)."),
};

export const HUB_SETTING_DEFAULTS = {
  chart: { version: DEFAULT_Z2JH_VERSION },
  admins: [] as string[],
  image: { name: "quay.io/jupyter/scipy-notebook", tag: "2025-10-20" },
  resources: {
    cpu: { guarantee: "0.5", limit: "2" },
    memory: { guarantee: "1Gi", limit: "2Gi" },
  },
  drive: { size: "10Gi", storageClass: "hubfleet-drive", sharedFolder: true },
  datasets: [] as string[],
  placeholders: 0,
  internetAccess: true,
  culling: { timeout: 3600, every: 300 },
  expectedUsers: 30,
  schedule: [] as SessionSpec[],
  idleUsers: 0,
  timeZone: "UTC",
  wakeBeforeTerm: "2d",
  warmUp: { lead: "30m", enabled: true, nodeStartup: "3m", loginWindow: "8m" },
  extraValues: {} as Record<string, unknown>,
};

const hubDefaultsSchema = z
  .object(hubSettingFields)
  .partial()
  .strict()
  .describe(
    "Settings every hub takes unless it sets them itself. Defaults: 0.5/2 CPU, 1Gi/2Gi memory, " +
      "10Gi drive on gp3, no placeholders, culling after 3600 s, 30 expected users, no schedule.",
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
    chargeCode: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[^\s,"]+( [^\s,"]+)*$/, {
        message: "must be one line without commas, quotes or leading/trailing spaces",
      })
      .optional()
      .describe(
        'The account finance charges this hub\'s cost to (e.g. "STAT-101-F26" or a cost centre); `hubfleet cost` groups hubs by it. Per hub only (no hubDefaults): a missing code shows as "unassigned". Default: none.',
      ),
    ...hubSettingFields,
  })
  .partial()
  .required({ name: true })
  .strict();

const datasetSourceSchema = z
  .object({
    volume: z
      .object({
        storageClass: z
          .string()
          .default("hubfleet-drive")
          .describe(
            "StorageClass of the new volume. Default: hubfleet-drive (EBS gp3, reclaim policy Retain).",
          ),
      })
      .strict()
      .describe("A new, empty volume served by the data set's own NFS server (the default)."),
    existingVolume: z
      .object({
        name: z.string().describe("Name of the PersistentVolume that holds the data."),
        storageClass: z
          .string()
          .default("")
          .describe(
            'The PersistentVolume\'s storageClassName (a claim binds only to a volume of its class). Default: "" (none).',
          ),
      })
      .strict()
      .describe(
        "An existing PersistentVolume (e.g. restored from a snapshot), served by the data set's own NFS server. Set its reclaim policy to Retain.",
      ),
    nfs: z
      .object({
        server: z
          .string()
          .describe(
            "Address of an NFS server outside the cluster: an IPv4 address or a host name the nodes resolve (kubelet mounts from the node, without cluster DNS).",
          ),
        path: z
          .string()
          .regex(/^\//, { message: 'must be an absolute path such as "/exports/census"' })
          .describe("Exported path on that server."),
      })
      .strict()
      .describe("An existing NFS export, mounted directly: hubfleet runs no server for it."),
  })
  .partial()
  .strict()
  .describe(
    "Where the data lives: exactly one of volume, existingVolume or nfs. Default: a new volume.",
  );

const datasetSchema = z
  .object({
    name: z
      .string()
      .describe(
        "Data set name (DNS-1123 label): its server dataset-<name> and the folder ~/datasets/<name> in user servers.",
      ),
    title: z.string().optional().describe("Human title of the data set. Default: the name."),
    size: storageSize.describe(
      "Size of the data set's volume (for nfs: the capacity its client volumes announce).",
    ),
    source: datasetSourceSchema.default({}),
    owners: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "User names (compared in lower case, as JupyterHub normalizes them) whose mount is read-write; everyone else reads. Required for a new volume.",
      ),
    clusterIP: ipv4Address
      .optional()
      .describe(
        "Pin the data set server's ClusterIP (inside cluster.serviceCIDR). Default: derived from the data set name.",
      ),
  })
  .strict();

/** A wave's size: a number of hubs, or a percentage of the fleet's hubs besides the canaries. */
export const WAVE_PERCENT = /^([1-9][0-9]?|100)%$/;
const waveSize = z
  .union([
    z.int().min(1),
    z.string().regex(WAVE_PERCENT, {
      message: 'a wave is a number of hubs (e.g. 3) or a percentage of the hubs (e.g. "25%")',
    }),
  ])
  .describe(
    'Hubs in a wave: a number (e.g. 3) or a percentage of the hubs after the canaries ("25%").',
  );

const rolloutSchema = z
  .object({
    canary: z
      .array(z.string())
      .default([])
      .describe(
        "Hubs apply changes first; only when `hubfleet check` passes on them do the waves go on. Default: none.",
      ),
    waves: z
      .union([waveSize, z.array(waveSize).min(1)])
      .optional()
      .describe(
        'After the canaries: one size (every wave that big, e.g. 5 or "25%") or a list of sizes, wave by wave, the hubs left over making a last wave. Each wave is checked before the next. Default: one wave of all the other hubs.',
      ),
    pause: duration("rollout.pause")
      .default("0s")
      .describe(
        'How long apply waits between a wave that passed its check and the next, e.g. "10m". Default 0s.',
      ),
  })
  .strict()
  .describe(
    "How apply rolls a change out: canary hubs first, then waves, each gated by `hubfleet check` (apply --canary overrides the canaries). Default: every hub at once, no check.",
  );

const freezeSchema = z
  .object({
    from: calendarDate("from").describe(
      "First day of the freeze (inclusive), in each hub's time zone.",
    ),
    to: calendarDate("to").describe("Last day of the freeze (inclusive), in each hub's time zone."),
    reason: z.string().min(1).describe('Why, for apply\'s message (e.g. "final exams").'),
  })
  .strict();

export const fleetSchema = z
  .object({
    $schema: z.string().optional().describe("JSON Schema reference for editors."),
    apiVersion: z.literal(API_VERSION).describe("Always hubfleet/v1alpha1."),
    kind: z.literal("Fleet").describe("Always Fleet."),
    cluster: clusterSchema,
    domain: domainSchema,
    tools: toolsSchema.prefault({}),
    datasets: z
      .array(datasetSchema)
      .default([])
      .describe(
        "Shared data sets: each served read-only to the hubs that list it (hubs[].datasets), read-write to its owners.",
      ),
    hubDefaults: hubDefaultsSchema.prefault({}),
    hubs: z.array(hubSchema).default([]).describe("The hubs of the fleet."),
    rollout: rolloutSchema.optional(),
    terms: z
      .array(termSchema)
      .default([])
      .describe(
        "The fleet's terms (semesters, quarters): hubs name one with hubs[].term and sleep outside it. Default: none.",
      ),
    freeze: z
      .array(freezeSchema)
      .default([])
      .describe(
        "Change freezes for the whole fleet (exam weeks): apply touches no hub on these days, as during a class (apply --during-class overrides).",
      ),
    prices: priceFileSchema
      .optional()
      .describe(
        "Your own prices (a negotiated or education discount, savings plans, a region hubfleet has no figures for), laid over the shipped on-demand table figure by figure: used by plan-capacity and by the cost recording rules that `hubfleet cost` and the dashboard read. Same shape as plan-capacity's --prices file.",
      ),
  })
  .strict()
  .describe("A hubfleet fleet file: one cluster and the JupyterHubs on it.");

export type FleetInput = z.input<typeof fleetSchema>;
export type FleetSpec = z.output<typeof fleetSchema>;
export type HubSpec = FleetSpec["hubs"][number];
export type DatasetSpec = FleetSpec["datasets"][number];
export type SessionSpec = z.output<typeof sessionSchema>;
export type Authenticator = z.output<typeof authenticatorSchema>;
export type RolloutSpec = z.output<typeof rolloutSchema>;
export type WaveSize = z.output<typeof waveSize>;
export type FreezeSpec = z.output<typeof freezeSchema>;
export type TermSpec = z.output<typeof termSchema>;
export type TlsSpec = z.output<typeof tlsSchema>;
export type ToolsSpec = z.output<typeof toolsSchema>;
