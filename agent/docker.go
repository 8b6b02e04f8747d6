package main

// The agent's view of one pod through the Docker Engine API (the official Go client): the pod's
// containers, found by podlab's labels only, so the agent never touches a container that is not the
// pod's.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

const (
	labelPod       = "podlab.dev/pod"
	labelRole      = "podlab.dev/role"
	labelContainer = "podlab.dev/container"
	labelAgentOf   = "podlab.dev/agent-of"
)

// Snapshot is what it takes to make a container again: its configuration as Docker reports it.
type Snapshot struct {
	Name       string                `json:"name"`
	Config     *container.Config     `json:"config"`
	HostConfig *container.HostConfig `json:"hostConfig"`
}

type podContainers struct {
	sandboxes []container.InspectResponse          // newest first
	members   map[string]container.InspectResponse // init and app containers, by name
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 { // Docker reports 0001-01-01 for "never"
		return time.Time{}
	}
	return t
}

// podIP is the pod's address: the newest sandbox's on its network, "" when there is none.
func (cs podContainers) podIP() string {
	if len(cs.sandboxes) > 0 && cs.sandboxes[0].NetworkSettings != nil {
		return cs.sandboxes[0].NetworkSettings.IPAddress
	}
	return ""
}

// list inspects every container of the pod (sandboxes and members; the agent itself has role agent).
func list(ctx context.Context, cli *client.Client, pod string) (podContainers, error) {
	out := podContainers{members: map[string]container.InspectResponse{}}
	found, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", labelPod+"="+pod))})
	if err != nil {
		return out, err
	}
	for _, s := range found {
		c, err := cli.ContainerInspect(ctx, s.ID)
		if client.IsErrNotFound(err) {
			continue // removed meanwhile
		}
		if err != nil {
			return out, err
		}
		if c.State != nil && (c.State.Status == "removing" || c.State.Dead) {
			continue // on its way out (docker rm -f): as good as gone
		}
		switch c.Config.Labels[labelRole] {
		case "sandbox":
			out.sandboxes = append(out.sandboxes, c)
		case "member", "init":
			out.members[c.Config.Labels[labelContainer]] = c
		}
	}
	// The newest sandbox is the pod's (kubelet: the latest sandbox wins).
	for i := 1; i < len(out.sandboxes); i++ {
		for j := i; j > 0 && out.sandboxes[j].Created > out.sandboxes[j-1].Created; j-- {
			out.sandboxes[j], out.sandboxes[j-1] = out.sandboxes[j-1], out.sandboxes[j]
		}
	}
	return out, nil
}

func observe(c container.InspectResponse) *Observed {
	o := &Observed{ID: c.ID}
	if c.State != nil {
		o.Running = c.State.Running
		o.Created = c.State.Status == "created"
		o.ExitCode = c.State.ExitCode
		o.StartedAt = parseTime(c.State.StartedAt)
		o.FinishedAt = parseTime(c.State.FinishedAt)
		o.Error = c.State.Error
		o.OOMKilled = c.State.OOMKilled
	}
	if c.HostConfig != nil {
		o.JoinedID = strings.TrimPrefix(string(c.HostConfig.NetworkMode), "container:")
	}
	return o
}

func snapshotOf(c container.InspectResponse) Snapshot {
	return Snapshot{Name: strings.TrimPrefix(c.Name, "/"), Config: c.Config, HostConfig: c.HostConfig}
}

// joinTo rewrites a member's joins of its sandbox (network, IPC, PID) to the sandbox sandboxID.
func joinTo(s Snapshot, sandboxID string) (*container.Config, *container.HostConfig) {
	cfg := *s.Config
	hc := *s.HostConfig
	rewrite := func(mode string) string {
		if strings.HasPrefix(mode, "container:") {
			return "container:" + sandboxID
		}
		return mode
	}
	hc.NetworkMode = container.NetworkMode(rewrite(string(hc.NetworkMode)))
	hc.IpcMode = container.IpcMode(rewrite(string(hc.IpcMode)))
	hc.PidMode = container.PidMode(rewrite(string(hc.PidMode)))
	if hc.NetworkMode.IsContainer() {
		// Docker refuses these with a joined network: they belong to the sandbox, and inspect
		// reports the sandbox's hostname and the image's exposed ports on the member.
		cfg.Hostname, cfg.Domainname = "", ""
		cfg.ExposedPorts = nil
		hc.PortBindings = nil
		hc.PublishAllPorts = false
	}
	return &cfg, &hc
}

// create makes a container from a snapshot and starts it; it returns the new ID.
func create(ctx context.Context, cli *client.Client, name string, cfg *container.Config, hc *container.HostConfig) (string, error) {
	made, err := cli.ContainerCreate(ctx, cfg, hc, nil, nil, name)
	if err != nil {
		return "", fmt.Errorf("creating %s: %w", name, err)
	}
	if err := cli.ContainerStart(ctx, made.ID, container.StartOptions{}); err != nil {
		return made.ID, fmt.Errorf("starting %s: %w", name, err)
	}
	return made.ID, nil
}

func stop(ctx context.Context, cli *client.Client, id string, grace time.Duration) error {
	secs := int(grace / time.Second)
	return cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs})
}

// tail returns the last lines of a container's log, stdout and stderr together.
func tail(ctx context.Context, cli *client.Client, id string, lines int) string {
	rc, err := cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(lines)})
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil && err != io.EOF {
		return buf.String() + "(log cut: " + err.Error() + ")"
	}
	return buf.String()
}
