package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/kris-nova/logger"
	api "github.com/weaveworks/eksctl/pkg/apis/eksctl.io/v1alpha5"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

type eksctlOptions struct {
	// versions stands in for the list of non-UNSUPPORTED versions that EKS's
	// DescribeClusterVersions returns; eksctl v0.215.0 has no built-in list.
	versions []string
}

var registerOnce = sync.OnceValue(api.Register)

// eksVersionRE is the "MAJOR.MINOR" shape EKS versions have.
var eksVersionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// checkEksctl runs, offline and in order, what `eksctl create cluster -f`
// does to a config file before it talks to AWS:
//
//  1. eks.ParseConfig: yaml.UnmarshalStrict into api.ClusterConfig, then
//     runtime.Decode through the client-go scheme eksctl registers into
//     (rejects unknown apiVersion/kind);
//  2. the config-file loader's checks (metadata.name/region set, VPC
//     defaults, Addon.Validate for each addon, ...);
//  3. version resolution (eks.ClusterVersionsManager, normally fed by AWS);
//  4. Cmd.InitializeClusterConfig: api.SetClusterConfigDefaults,
//     api.ValidateClusterConfig, api.ValidateNodeGroup +
//     api.SetNodeGroupDefaults per nodeGroup, api.SetManagedNodeGroupDefaults +
//     api.ValidateManagedNodeGroup per managedNodeGroup, supported region;
//  5. doCreateCluster: api.IsInvalidNameArg, ValidatePrivateCluster,
//     ValidateClusterEndpointConfig.
//
// Unlike eksctl it does not stop at the first failing step: each step's error
// is reported and later steps still run where they can.
func checkEksctl(data []byte, opts eksctlOptions, warn io.Writer) (problems []string) {
	logger.Writer = warn
	logger.Line = func(_, format string, a ...any) string { return fmt.Sprintf(format, a...) + "\n" }
	logger.BitwiseLevel = logger.LogCritical | logger.LogWarning | logger.LogDeprecated
	defer func() {
		// the upstream code assumes earlier steps passed; a panic in a later
		// step is reported rather than crashing the whole run
		if r := recover(); r != nil {
			problems = append(problems, fmt.Sprintf("eksctl validation panicked (on input earlier steps rejected?): %v", r))
		}
	}()
	add := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}

	if err := registerOnce(); err != nil {
		return []string{fmt.Sprintf("registering eksctl scheme: %v", err)}
	}

	// 1. decode like eks.ParseConfig
	if err := yaml.UnmarshalStrict(data, &api.ClusterConfig{}); err != nil {
		return []string{"strict decode: " + err.Error()}
	}
	obj, err := runtime.Decode(scheme.Codecs.UniversalDeserializer(), data)
	if err != nil {
		return []string{"decode: " + err.Error()}
	}
	cfg, ok := obj.(*api.ClusterConfig)
	if !ok {
		return []string{fmt.Sprintf("expected kind ClusterConfig, got %T", obj)}
	}
	if got, want := cfg.APIVersion, api.SchemeGroupVersion.String(); got != want {
		add(fmt.Errorf("apiVersion must be %q, got %q", want, got))
	}
	if cfg.Kind != api.ClusterConfigKind {
		add(fmt.Errorf("kind must be %q, got %q", api.ClusterConfigKind, cfg.Kind))
	}

	// 2. config-file loader (pkg/ctl/cmdutils: commonClusterConfigLoader.Load
	//    and NewCreateClusterLoader's validateWithConfigFile). These functions
	//    are unexported there, so their checks are restated here.
	meta := cfg.Metadata
	if meta == nil {
		return append(problems, "metadata must be set")
	}
	if meta.Name == "" {
		add(errors.New("metadata.name must be set"))
	}
	if meta.Region == "" {
		add(errors.New("metadata.region must be set"))
	}
	ipv6 := cfg.IPv6Enabled()
	if cfg.VPC == nil {
		cfg.VPC = api.NewClusterVPC(ipv6)
	}
	if cfg.VPC.NAT == nil && !ipv6 {
		cfg.VPC.NAT = api.DefaultClusterNAT()
	}
	if cfg.VPC.NAT != nil && api.IsEmpty(cfg.VPC.NAT.Gateway) {
		single := api.ClusterSingleNAT
		cfg.VPC.NAT.Gateway = &single
	}
	unset := false
	for i, ng := range cfg.NodeGroups {
		if ng == nil {
			add(fmt.Errorf("invalid ClusterConfig: nodeGroups[%d] is not set", i))
			unset = true
		}
	}
	for i, ng := range cfg.ManagedNodeGroups {
		if ng == nil {
			add(fmt.Errorf("invalid ClusterConfig: managedNodeGroups[%d] is not set", i))
			unset = true
		}
	}
	if unset {
		return problems
	}
	hasEndpointAccess := cfg.VPC.ClusterEndpoints != nil &&
		(cfg.VPC.ClusterEndpoints.PublicAccess != nil || cfg.VPC.ClusterEndpoints.PrivateAccess != nil)
	if cfg.IsFullyPrivate() && hasEndpointAccess {
		add(errors.New("vpc.clusterEndpoints cannot be set for a fully-private cluster (privateCluster.enabled) as the endpoint access defaults to private-only"))
	}
	if cfg.IsControlPlaneOnOutposts() {
		if len(cfg.ManagedNodeGroups) > 0 {
			add(errors.New("Managed Nodegroups are not supported on Outposts"))
		}
		cfg.VPC.ClusterEndpoints = &api.ClusterEndpoints{PrivateAccess: api.Enabled(), PublicAccess: api.Disabled()}
	} else {
		api.SetClusterEndpointAccessDefaults(cfg.VPC)
	}
	if cfg.HasAnySubnets() && len(cfg.AvailabilityZones) != 0 {
		add(errors.New("vpc.subnets and availabilityZones cannot be set at the same time"))
	}
	for _, addon := range cfg.Addons {
		if addon == nil {
			add(errors.New("addons contains an empty entry"))
			continue
		}
		add(addon.Validate()) // eksctl's own Addon.Validate
	}
	if cfg.IsAutoModeEnabled() {
		if len(cfg.NodeGroups) > 0 || len(cfg.ManagedNodeGroups) > 0 {
			add(errors.New("creation of managed or self-managed nodegroups is not supported during cluster creation when Auto Mode is enabled"))
		} else if len(cfg.FargateProfiles) == 0 && cfg.RemoteNetworkConfig == nil && api.HasDefaultNonAutoAddon(cfg.Addons) {
			add(errors.New("core networking addons are not required on a cluster using Auto Mode"))
		}
	}
	hasVPCCNI := slices.ContainsFunc(cfg.Addons, func(a *api.Addon) bool { return a != nil && a.Name == api.VPCCNIAddon })
	if cfg.AddonsConfig.DisableDefaultAddons && !cfg.IsAutoModeEnabled() && !hasVPCCNI {
		if cfg.HasNodes() || cfg.IsFargateEnabled() || cfg.Karpenter != nil || cfg.HasGitOpsFluxConfigured() ||
			(cfg.IAM != nil && (len(cfg.IAM.ServiceAccounts) > 0 || len(cfg.IAM.PodIdentityAssociations) > 0)) {
			add(errors.New("fields nodeGroups, managedNodeGroups, fargateProfiles, karpenter, gitops, iam.serviceAccounts, " +
				"and iam.podIdentityAssociations are not supported during cluster creation in a cluster without VPC CNI if Auto Mode is disabled"))
		}
	}
	wantsPodIdentity := cfg.IAM != nil && len(cfg.IAM.PodIdentityAssociations) > 0
	for _, a := range cfg.Addons {
		if a != nil && (cfg.AddonsConfig.AutoApplyPodIdentityAssociations || a.UseDefaultPodIdentityAssociations || a.HasPodIDsSet()) {
			wantsPodIdentity = true
		}
	}
	if wantsPodIdentity && !cfg.IsAutoModeEnabled() &&
		!slices.ContainsFunc(cfg.Addons, func(a *api.Addon) bool { return a != nil && a.Name == api.PodIdentityAgentAddon }) {
		add(api.ErrPodIdentityAgentNotInstalled(fmt.Sprintf("please add %q addon to the config file", api.PodIdentityAgentAddon)))
	}

	// 3. version (eks.ClusterVersionsManager.ResolveClusterVersion)
	switch meta.Version {
	case "", "auto":
		meta.Version = api.DefaultVersion
	case "latest":
		if len(opts.versions) == 0 {
			add(errors.New(`metadata.version "latest" can only be resolved against EKS; pass --eks-versions or pin a version`))
		} else {
			meta.Version = latest(opts.versions)
		}
	default:
		if !eksVersionRE.MatchString(meta.Version) {
			add(fmt.Errorf("metadata.version %q is not of the form MAJOR.MINOR", meta.Version))
		} else if len(opts.versions) > 0 && !slices.Contains(opts.versions, meta.Version) {
			add(fmt.Errorf("invalid version, supported values: %s", strings.Join(opts.versions, ", ")))
		}
	}

	// 4. Cmd.InitializeClusterConfig
	api.SetClusterConfigDefaults(cfg)
	add(api.ValidateClusterConfig(cfg))
	for i, ng := range cfg.NodeGroups {
		add(api.ValidateNodeGroup(i, ng, cfg))
		add(api.SetNodeGroupDefaults(ng, cfg.Metadata, cfg.IsControlPlaneOnOutposts()))
	}
	for i, ng := range cfg.ManagedNodeGroups {
		if err := api.SetManagedNodeGroupDefaults(ng, cfg.Metadata, cfg.IsControlPlaneOnOutposts()); err != nil {
			add(fmt.Errorf("managedNodeGroups[%d]: %w", i, err))
			continue
		}
		add(api.ValidateManagedNodeGroup(i, ng))
	}
	for _, fp := range cfg.FargateProfiles {
		if fp != nil {
			add(fp.Validate())
		}
	}
	if meta.Region != "" && !slices.Contains(api.SupportedRegions(), meta.Region) {
		add(fmt.Errorf("metadata.region %q is not supported - use one of: %s", meta.Region, strings.Join(api.SupportedRegions(), ", ")))
	}

	// 5. doCreateCluster, before any AWS call
	if meta.Name != "" && api.IsInvalidNameArg(meta.Name) {
		add(api.ErrInvalidName(meta.Name))
	}
	add(cfg.ValidatePrivateCluster())
	add(cfg.ValidateClusterEndpointConfig())

	return problems
}

// latest returns the highest MAJOR.MINOR version in vs.
func latest(vs []string) string {
	best, bestMajor, bestMinor := "", -1, -1
	for _, v := range vs {
		var major, minor int
		if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
			continue
		}
		if major > bestMajor || (major == bestMajor && minor > bestMinor) {
			best, bestMajor, bestMinor = v, major, minor
		}
	}
	return best
}
