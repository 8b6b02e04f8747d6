package main

// What the agent is told to keep: one pod (the PODLAB_POD environment, one agent per pod) or every
// docker-host pod of a stack on this host (PODLAB_PODS, one agent per stack and host, as the kubelet
// is one per node). Each pod gets its own Agent, state folder and sync loop; they share the process
// and its Docker client.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// PodConfig is one pod as the agent is told it (PODLAB_PODS is a JSON list of these).
type PodConfig struct {
	Pod     string   `json:"pod"`
	Members []string `json:"members"`
	Inits   []string `json:"initContainers,omitempty"`
	// Sidecars are the init containers with restartPolicy Always (Kubernetes 1.29+), by name.
	Sidecars      []string                   `json:"sidecars,omitempty"`
	RestartPolicy RestartPolicy              `json:"restartPolicy,omitempty"`
	Probes        map[string]ContainerProbes `json:"probes,omitempty"`
	// Hooks are the containers' lifecycle hooks, by name.
	Hooks map[string]ContainerHooks `json:"hooks,omitempty"`
	// TerminationGracePeriodSeconds is the pod's (unset: Kubernetes' 30): what a stop with a preStop hook gets.
	TerminationGracePeriodSeconds *int   `json:"terminationGracePeriodSeconds,omitempty"`
	CgroupParent                  string `json:"cgroupParent,omitempty"`
	CgroupDriver                  string `json:"cgroupDriver,omitempty"`
}

// A pod's name is a DNS label (the API server's rule for metadata.name as podlab uses it): it names
// a state folder, so nothing else may pass.
var podName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Check says what is wrong with a pod's config, naming the field; nil when it is whole.
func (c *PodConfig) Check() error {
	if !podName.MatchString(c.Pod) || len(c.Pod) > 63 {
		return fmt.Errorf("pod %q is not a DNS label", c.Pod)
	}
	if len(c.Members) == 0 {
		return fmt.Errorf("pod %s: members is empty", c.Pod)
	}
	for _, sc := range c.Sidecars {
		if !slices.Contains(c.Inits, sc) {
			return fmt.Errorf("pod %s: sidecar %s is not one of its init containers", c.Pod, sc)
		}
	}
	switch c.RestartPolicy {
	case "":
		c.RestartPolicy = Always
	case Always, OnFailure, Never:
	default:
		return fmt.Errorf("pod %s: restartPolicy %q is not Always, OnFailure or Never", c.Pod, c.RestartPolicy)
	}
	return nil
}

// podConfigs reads the pods from the environment: PODLAB_PODS when set, else the single pod of
// PODLAB_POD and its companions. multi says each pod's state goes in a folder of its own.
func podConfigs(getenv func(string) string) (pods []PodConfig, multi bool, err error) {
	if raw := getenv("PODLAB_PODS"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &pods); err != nil {
			return nil, false, fmt.Errorf("PODLAB_PODS: %v", err)
		}
		if len(pods) == 0 {
			return nil, false, fmt.Errorf("PODLAB_PODS lists no pod")
		}
		seen := map[string]bool{}
		for i := range pods {
			if err := pods[i].Check(); err != nil {
				return nil, false, fmt.Errorf("PODLAB_PODS[%d]: %v", i, err)
			}
			if seen[pods[i].Pod] {
				return nil, false, fmt.Errorf("PODLAB_PODS[%d]: pod %s is listed twice", i, pods[i].Pod)
			}
			seen[pods[i].Pod] = true
		}
		return pods, true, nil
	}
	c := PodConfig{
		Pod: getenv("PODLAB_POD"), Members: splitList(getenv("PODLAB_MEMBERS")), Inits: splitList(getenv("PODLAB_INIT_CONTAINERS")),
		RestartPolicy: RestartPolicy(getenv("PODLAB_RESTART_POLICY")),
		CgroupParent:  getenv("PODLAB_CGROUP_PARENT"), CgroupDriver: getenv("PODLAB_CGROUP_DRIVER"),
	}
	if c.Pod == "" {
		return nil, false, fmt.Errorf("neither PODLAB_PODS nor PODLAB_POD is set")
	}
	probes, err := parseProbes(getenv("PODLAB_PROBES"))
	if err != nil {
		return nil, false, fmt.Errorf("PODLAB_PROBES: %v", err)
	}
	c.Probes = probes
	if err := c.Check(); err != nil {
		return nil, false, err
	}
	return []PodConfig{c}, false, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, m := range strings.Split(s, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// stateDirOf is where a pod's state and status live: the agent's folder for the one pod of a
// per-pod agent, a folder per pod for a stack's agent.
func stateDirOf(root, pod string, multi bool) string {
	if !multi {
		return root
	}
	return filepath.Join(root, pod)
}

// envOr is the variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
