package provider

// Rule 5 of podlab_pods.go: what a pod's agent keeps outside Docker, seen by refresh. A pod's
// pod-level limits live on its cgroup, which Docker does not describe; the pod's agent restores
// them when the cgroup comes back without them (agent/podcgroup.go) and says in its status what the
// kernel enforces against what the pod declares. While the two differ (the agent could not write
// them), Read records the agent as not running as declared (must_run false), so `pulumi preview`
// after `pulumi refresh` shows `~ mustRun` on `<pod>-agent`, and `pulumi up` restarts the agent,
// whose first sync writes the limits again.

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

// agentStatus is the part of the agent's status (`podlab-agent status`, agent/status.go) Read needs.
type agentStatus struct {
	PodCgroup *struct {
		Declared *podLimits `json:"declared"`
		Enforced *podLimits `json:"enforced"`
	} `json:"podCgroup"`
}

type podLimits struct {
	MemoryBytes *int64 `json:"memoryBytes"`
	CPUQuotaUs  *int64 `json:"cpuQuotaUs"`
}

func sameLimit(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// keptPods is the pods an agent keeps: its label podlab.dev/agent-of, comma-separated (one pod for a
// pod's own agent, every pod of a stack on the host for the stack's).
func keptPods(agentOf string) []string {
	var out []string
	for _, p := range strings.Split(agentOf, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// keeps reports whether an agent labelled agentOf keeps the pod.
func keeps(agentOf, pod string) bool {
	for _, p := range keptPods(agentOf) {
		if p == pod {
			return true
		}
	}
	return false
}

// limitsDrift asks a running agent for the status of each pod it keeps (agentOf, its label) and
// reports whether one of their cgroups enforces other pod-level limits than the pod declares. Any
// failure to ask is no drift: Read then keeps what the provider read.
func limitsDrift(ctx context.Context, cli *client.Client, agentID, agentOf string) bool {
	for _, pod := range keptPods(agentOf) {
		if podLimitsDrift(ctx, cli, agentID, pod) {
			return true
		}
	}
	return false
}

func podLimitsDrift(ctx context.Context, cli *client.Client, agentID, pod string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	made, err := cli.ContainerExecCreate(ctx, agentID, container.ExecOptions{Cmd: []string{"/podlab-agent", "status", "--pod", pod}, AttachStdout: true})
	if err != nil {
		return false
	}
	att, err := cli.ContainerExecAttach(ctx, made.ID, container.ExecAttachOptions{})
	if err != nil {
		return false
	}
	defer att.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &bytes.Buffer{}, att.Reader); err != nil {
		return false
	}
	var st agentStatus
	if json.Unmarshal(out.Bytes(), &st) != nil || st.PodCgroup == nil || st.PodCgroup.Declared == nil || st.PodCgroup.Enforced == nil {
		return false
	}
	d, e := st.PodCgroup.Declared, st.PodCgroup.Enforced
	return !sameLimit(d.MemoryBytes, e.MemoryBytes) || !sameLimit(d.CPUQuotaUs, e.CPUQuotaUs)
}
