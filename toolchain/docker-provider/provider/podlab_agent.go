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

// limitsDrift asks a running agent for its status and reports whether its pod's cgroup enforces
// other pod-level limits than the pod declares. Any failure to ask is no drift: Read then keeps what
// the provider read.
func limitsDrift(ctx context.Context, cli *client.Client, agentID string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	made, err := cli.ContainerExecCreate(ctx, agentID, container.ExecOptions{Cmd: []string{"/podlab-agent", "status"}, AttachStdout: true})
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
