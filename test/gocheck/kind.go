package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
)

const (
	kindAPIVersion = "kind.x-k8s.io/v1alpha4"
	kindKind       = "Cluster"
)

// kind's cluster names end up in docker container names
var kindNameRE = regexp.MustCompile(`^[a-z0-9.-]+$`)

// checkKind decodes data the way kind v0.33.0 reads a --config file (yaml v3
// with known fields only, into the public v1alpha4.Cluster type), applies
// v1alpha4.SetDefaultsCluster, and then checks what kind's internal
// config.Cluster.Validate checks. That function lives in an internal package
// of kind and cannot be imported, so its rules are restated here.
func checkKind(data []byte, warn io.Writer) []string {
	var tm struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	if err := yaml.Unmarshal(data, &tm); err != nil {
		return []string{"could not determine kind / apiVersion: " + err.Error()}
	}
	if tm.APIVersion != kindAPIVersion {
		return []string{fmt.Sprintf("apiVersion must be %q, got %q", kindAPIVersion, tm.APIVersion)}
	}
	if tm.Kind != kindKind {
		return []string{fmt.Sprintf("kind must be %q, got %q", kindKind, tm.Kind)}
	}

	cfg := &v1alpha4.Cluster{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return []string{"strict decode: " + err.Error()}
	}
	v1alpha4.SetDefaultsCluster(cfg)
	return validateKindCluster(cfg, warn)
}

func validateKindCluster(c *v1alpha4.Cluster, warn io.Writer) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	name := c.Name
	if name == "" {
		name = "kind" // kind's default cluster name
	}
	if !kindNameRE.MatchString(name) {
		add("%q is not a valid cluster name, cluster names must match `%s`", name, kindNameRE)
	}

	n := c.Networking
	if n.APIServerPort != 0 {
		if err := kindPort(n.APIServerPort); err != nil {
			add("invalid apiServerPort: %v", err)
		}
	}
	switch n.IPFamily {
	case v1alpha4.IPv4Family, v1alpha4.IPv6Family, v1alpha4.DualStackFamily:
	default:
		add("invalid ipFamily: %s", n.IPFamily)
	}
	if err := kindSubnets(n.PodSubnet, n.IPFamily); err != nil {
		add("invalid pod subnet %v", err)
	}
	if err := kindSubnets(n.ServiceSubnet, n.IPFamily); err != nil {
		add("invalid service subnet %v", err)
	}
	switch n.KubeProxyMode {
	case v1alpha4.IPTablesProxyMode, v1alpha4.IPVSProxyMode, v1alpha4.NFTablesProxyMode, "none":
	default:
		add("invalid kubeProxyMode: %s", n.KubeProxyMode)
	}

	controlPlanes := 0
	for i, node := range c.Nodes {
		for _, err := range kindNode(node) {
			add("invalid configuration for node %d: %v", i, err)
		}
		for _, m := range node.ExtraMounts {
			switch m.Propagation {
			case "", v1alpha4.MountPropagationNone, v1alpha4.MountPropagationHostToContainer, v1alpha4.MountPropagationBidirectional:
			default:
				// kind's docker provider silently falls back to "private"
				fmt.Fprintf(warn, "node %d: unknown mount propagation %q is treated as None\n", i, m.Propagation)
			}
		}
		if node.Role == v1alpha4.ControlPlaneRole {
			controlPlanes++
		}
	}
	if controlPlanes < 1 {
		add("must have at least one %s node", v1alpha4.ControlPlaneRole)
	}
	return problems
}

func kindNode(n v1alpha4.Node) []error {
	var errs []error
	switch n.Role {
	case v1alpha4.ControlPlaneRole, v1alpha4.WorkerRole:
	default:
		errs = append(errs, fmt.Errorf("%q is not a valid node role", n.Role))
	}
	if n.Image == "" {
		errs = append(errs, errors.New("image is a required field"))
	}
	for _, m := range n.ExtraPortMappings {
		if err := kindPort(m.HostPort); err != nil {
			errs = append(errs, fmt.Errorf("invalid hostPort: %w", err))
		}
		if err := kindPort(m.ContainerPort); err != nil {
			errs = append(errs, fmt.Errorf("invalid containerPort: %w", err))
		}
		// kind's container providers reject any other protocol when creating nodes
		switch m.Protocol {
		case "", v1alpha4.PortMappingProtocolTCP, v1alpha4.PortMappingProtocolUDP, v1alpha4.PortMappingProtocolSCTP:
		default:
			errs = append(errs, fmt.Errorf("unknown port mapping protocol: %s", m.Protocol))
		}
	}
	if err := kindPortMappings(n.ExtraPortMappings); err != nil {
		errs = append(errs, fmt.Errorf("invalid portMapping: %w", err))
	}
	return errs
}

// kindPort: -1 lets the container runtime pick a port, 0 lets kind pick one.
func kindPort(p int32) error {
	if p < -1 || p > 65535 {
		return fmt.Errorf("invalid port number: %d", p)
	}
	return nil
}

// kindPortMappings rejects two host-side bindings of the same port and
// protocol that would collide (same address, or either on the wildcard).
func kindPortMappings(ms []v1alpha4.PortMapping) error {
	bound := map[string]map[string]bool{} // "port/proto" -> listen addresses
	for _, m := range ms {
		if m.HostPort == 0 || m.HostPort == -1 {
			continue // random host port: no collision possible
		}
		addr := "0.0.0.0"
		if m.ListenAddress != "" {
			ip := net.ParseIP(m.ListenAddress)
			if ip == nil {
				return fmt.Errorf("invalid listen address: %s", m.ListenAddress)
			}
			if ip.Equal(net.IPv6unspecified) {
				ip = net.IPv4zero
			}
			addr = ip.String()
		}
		key := fmt.Sprintf("%d/%s", m.HostPort, m.Protocol)
		addrs := bound[key]
		if addrs == nil {
			addrs = map[string]bool{}
			bound[key] = addrs
		}
		if addrs[addr] || addrs["0.0.0.0"] || (addr == "0.0.0.0" && len(addrs) > 0) {
			return fmt.Errorf("port mapping with same listen address, port and protocol already configured: %s:%s", addr, key)
		}
		addrs[addr] = true
	}
	return nil
}

func kindSubnets(s string, family v1alpha4.ClusterIPFamily) error {
	var nets []*net.IPNet
	for _, part := range strings.Split(s, ",") {
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return fmt.Errorf("failed to parse cidr value:%q with error: %v", part, err)
		}
		nets = append(nets, n)
	}
	isV4 := func(n *net.IPNet) bool { return n.IP.To4() != nil }
	switch {
	case family == v1alpha4.DualStackFamily && len(nets) > 2:
		return errors.New("expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking")
	case family == v1alpha4.DualStackFamily && len(nets) == 2:
		if isV4(nets[0]) == isV4(nets[1]) {
			return errors.New("expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking")
		}
	case family != v1alpha4.DualStackFamily && len(nets) > 1:
		return errors.New("only one CIDR allowed for single-stack networking")
	case family == v1alpha4.IPv4Family && !isV4(nets[0]):
		return errors.New("expected IPv4 CIDR for IPv4 family")
	case family == v1alpha4.IPv6Family && isV4(nets[0]):
		return errors.New("expected IPv6 CIDR for IPv6 family")
	}
	return nil
}
