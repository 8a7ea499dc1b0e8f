/**
 * The commented starter fleet file `hubfleet init` writes. It validates as written.
 */

import { DEFAULT_Z2JH_VERSION } from "../vocabulary/z2jhVersions.js";

export function starterFleet(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
#
# A hubfleet fleet file: one Kubernetes cluster and the JupyterHubs on it.
# Check it with \`hubfleet validate FILE\`, then \`hubfleet render FILE -o out\`.
apiVersion: hubfleet/v1alpha1
kind: Fleet

cluster:
  name: my-hubs              # EKS cluster name; also tags and labels everything hubfleet makes
  provider: eks              # eks (AWS) or local (a kind cluster to try things)
  region: us-west-2
  availabilityZones: [us-west-2a, us-west-2b]
  kubernetesVersion: "1.34"
  # Pods in an address range of their own (VPC CNI custom networking), outside the node range the
  # drives admit NFS from, so no pod can reach a drive. Create the subnets first (docs/design.md).
  # podCIDR: 100.64.0.0/16
  # podSubnets: { us-west-2a: subnet-0123456789abcdef0, us-west-2b: subnet-0123456789abcdef1 }
  nodeGroups:
    clustertools:            # ingress, autoscaler, backups, monitoring
      instanceType: t3a.medium
      minSize: 1
      maxSize: 2
    jhcontrolplane:          # hubs, proxies, drives: everything that holds a volume; one zone
      instanceType: t3a.medium
      minSize: 1
      maxSize: 3
    jhusers:                 # user servers only; scales to zero when nobody works
      instanceType: t3a.large
      minSize: 0
      maxSize: 10

domain:
  host: hubs.example.edu     # DNS name pointing at the ingress
  routing: subdomain         # https://<hub>.hubs.example.edu/ (or "path": https://hubs.example.edu/<hub>/)
  # tls:
  #   secretName: hubs-tls   # an existing TLS Secret, or certFile + keyFile

tools:                       # cluster tools; each has sensible defaults and a pinned chart version
  backups:                   # Velero backs up every hub, drive included, to S3
    bucket: my-hubs-backups  # bucket names are global across AWS: pick your own
    schedule: "0 3 * * *"    # daily at 03:00 UTC; or @daily, @every 12h
  # ingress:                 # Traefik, behind an AWS Network Load Balancer
  #   awsLoadBalancer: nlb   # nlb (internet-facing), nlb-internal or none
  # autoscaler:
  #   expander: least-waste  # or priority
  # monitoring:              # Prometheus + Grafana with the fleet dashboard
  #   grafanaPath: /grafana  # serve Grafana at https://grafana.<host> (subdomain routing)
  # certManager:             # Let's Encrypt certificates instead of domain.tls
  #   enabled: true
  #   email: you@example.edu

hubDefaults:                 # every hub takes these unless it sets its own
  chart:
    version: ${DEFAULT_Z2JH_VERSION}           # the zero-to-jupyterhub chart; upgrade by changing it
  authenticator:
    type: github
    clientId: YOUR-GITHUB-OAUTH-APP-CLIENT-ID
    clientSecret:            # never the secret itself: the Secret that holds it
      secretName: github-oauth
      key: client-secret
    allowedOrganizations: [your-org]   # who may log in (README: Who may log in)
    # allowedTeams: [your-org:your-team]
    # allowedUsers: [a-github-login]
  image:
    name: quay.io/jupyter/scipy-notebook
    tag: "2025-10-20"
  resources:
    cpu: { guarantee: "0.5", limit: "2" }
    memory: { guarantee: 1Gi, limit: 2Gi }
  drive:
    size: 10Gi               # the hub's shared NFS drive: every user's home lives here
  culling:
    timeout: 3600            # stop servers idle for an hour

# terms:                     # hubs with a term sleep outside it (data kept, a page says until when)
#   - { name: fall-2026, start: "2026-08-24", end: "2026-12-18" }

hubs:
  - name: demo               # namespace, Helm release and URL
    title: Demo hub
    admins: [your-github-user]
    expectedUsers: 20
    # term: fall-2026        # or { start: "2026-08-24", end: "2026-12-18" }; default: always awake
`;
}
