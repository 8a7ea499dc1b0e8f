/** The Helm charts hubfleet installs, each pinned to one version. */

export interface ChartRef {
  readonly repo: string;
  readonly name: string;
  readonly version: string;
}

export { Z2JH_CHART, z2jhChart } from "./z2jhVersions.js";

/** Chart 41.3.0 ships Traefik v3.7.11. */
export const TRAEFIK_CHART: ChartRef = {
  repo: "https://traefik.github.io/charts",
  name: "traefik",
  version: "41.3.0",
};

/** kube-prometheus-stack 88.5.3 (Prometheus Operator v0.93.1, Prometheus v3.14.0, Grafana chart 12.11.1). */
export const KUBE_PROMETHEUS_STACK_CHART: ChartRef = {
  repo: "https://prometheus-community.github.io/helm-charts",
  name: "kube-prometheus-stack",
  version: "88.5.3",
};

/** Chart 9.59.0 (appVersion 1.35.0), tag cluster-autoscaler-chart-9.59.0 of kubernetes/autoscaler. */
export const AUTOSCALER_CHART: ChartRef = {
  repo: "https://kubernetes.github.io/autoscaler",
  name: "cluster-autoscaler",
  version: "9.59.0",
};

/**
 * Karpenter's AWS provider, release v1.15.0: the Go module github.com/aws/karpenter-provider-aws
 * v1.15.0 (on the module proxy) is built on sigs.k8s.io/karpenter v1.15.0, the core the tests run
 * (its KWOK provider), and its chart is published with the release's version to an OCI registry,
 * not a chart repository. scripts/karpenter-build copies that release's EC2NodeClass CRD and
 * chart (templates, values) for the tests.
 */
export const KARPENTER_CHART: ChartRef = {
  repo: "oci://public.ecr.aws/karpenter",
  name: "karpenter",
  version: "1.15.0",
};

/** Chart 12.1.0 (appVersion 1.18.1, image velero/velero:v1.18.1), tag velero-12.1.0 of vmware-tanzu/helm-charts. */
export const VELERO_CHART: ChartRef = {
  repo: "https://vmware-tanzu.github.io/helm-charts",
  name: "velero",
  version: "12.1.0",
};

/** cert-manager's charts are versioned with a leading "v", like its releases. */
export const CERT_MANAGER_CHART: ChartRef = {
  repo: "https://charts.jetstack.io",
  name: "cert-manager",
  version: "v1.21.1",
};

/**
 * KEDA 2.21.0 (the chart's version is KEDA's). 2.21.0 rather than 2.21.1: 2.21.1 needs Go 1.27.4
 * to build and the tests run the operator built from the same version (scripts/keda-build).
 */
export const KEDA_CHART: ChartRef = {
  repo: "https://kedacore.github.io/charts",
  name: "keda",
  version: "2.21.0",
};
