package provider

// Rule 4 of podlab_pods.go: a container left over by an interrupted `pulumi up`.
//
// Pulumi records a resource in the stack's state only once its Create has returned. An `up` killed
// in between (SIGKILL, a second Ctrl-C, a crash) leaves a container that Docker has and the state
// does not: Pulumi keeps only a "pending create" without an ID, and the next `up` creates the
// resource again, which Docker refuses: `Conflict. The container name "/foo-agent" is already in use`.
// A pod's agent, when it was started before the kill, also keeps making the pod's containers again
// from its snapshots (agent/agent.go, RecreateSandbox and RecreateMember), so even a leftover removed
// by hand comes back within seconds.
//
// Create therefore replaces a leftover, never adopts one: the leftover was made from whatever program
// ran then (an interrupted update may have been a change), and a container made anew is exactly what
// the program declares, with its ID in the state at once. Only a container that is provably this
// stack's is removed: one named exactly as the container being created AND carrying the same
// podlab.dev/pod value (for a sandbox, also the same podlab.dev/stack when both record one), or, for
// an agent, the same podlab.dev/agent-of value. podlab refuses up front a pod name that another stack
// uses on the host (components/docker/host.ts, checkPodNames), so a pod label names one stack's pod.
// A container of that name that is not the pod's is left alone, and Create fails naming it.
//
// The race with the pod's leftover agent: before a leftover of the pod is removed, every container
// labelled podlab.dev/agent-of=<pod> is removed (not stopped: an agent runs with `restart: always`,
// which a daemon restart would undo for a stopped one). Otherwise the agent would make the removed
// container again from its snapshot within 0.2 to 2 s, and the create would meet a Conflict again.
// Such an agent is not one the state tracks: Pulumi creates the agent after the sandbox and every
// member (components/docker/pod.ts: it depends on them), so while one of those is still to be created
// no agent of this update exists yet, and Pulumi's own agent, made later in the same update, is never
// touched. An agent's request already on its way to the daemon can still land after the agent is
// gone, so a create that meets a Conflict on the name anyway removes the new leftover (same checks)
// and tries again, a few times.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	tflog "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/log"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// createAttempts bounds the remove-then-create rounds: one, plus retries for requests of an agent
// that were in flight when it was removed.
const createAttempts = 5

// owner is what makes a container one of a podlab pod's: its pod (or, for an agent, the pod it keeps)
// and, on a sandbox, the stack that owns the pod.
type owner struct{ pod, agentOf, stack string }

func ownerOf(d *schema.ResourceData) owner {
	return owner{pod: labelOf(d, labelPod), agentOf: labelOf(d, labelAgentOf), stack: labelOf(d, labelStack)}
}

func (o owner) podlab() bool { return o.pod != "" || o.agentOf != "" }

// owns reports whether a live container is the same pod's as the resource being created.
func (o owner) owns(c container.InspectResponse) bool {
	if c.Config == nil {
		return false
	}
	l := c.Config.Labels
	if o.pod != "" {
		if l[labelPod] != o.pod {
			return false
		}
		return o.stack == "" || l[labelStack] == "" || l[labelStack] == o.stack
	}
	if l[labelPod] != "" || l[labelRole] != "agent" {
		return false
	}
	// A stack's agent is the stack's (the pods it keeps change with the stack); a pod's own, the pod's.
	if o.stack != "" {
		return l[labelStack] == o.stack
	}
	return l[labelAgentOf] == o.agentOf
}

func (o owner) String() string {
	if o.pod != "" {
		return labelPod + "=" + o.pod
	}
	return labelAgentOf + "=" + o.agentOf
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// removeContainer removes a container at once (a leftover has nothing to stop gracefully for) and
// waits until its name is free.
func removeContainer(ctx context.Context, cli *client.Client, id string) error {
	err := cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	if err != nil && !client.IsErrNotFound(err) && !strings.Contains(err.Error(), "is already in progress") {
		return err
	}
	for i := 0; i < 100; i++ {
		if _, err := cli.ContainerInspect(ctx, id); client.IsErrNotFound(err) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("container %s is still there 10s after its removal", shortID(id))
}

// removeAgents removes every agent that keeps the pod (see the race above; a stack's agent keeps the
// stack's other pods too, which go unkept until Pulumi makes it again later in the same update); it
// returns their IDs.
func removeAgents(ctx context.Context, cli *client.Client, pod string) ([]string, error) {
	found, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", labelRole+"=agent"))})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, a := range found {
		if !keeps(a.Labels[labelAgentOf], pod) {
			continue
		}
		if err := removeContainer(ctx, cli, a.ID); err != nil {
			return ids, fmt.Errorf("removing agent %s of pod %s: %w", shortID(a.ID), pod, err)
		}
		ids = append(ids, a.ID)
	}
	return ids, nil
}

// removeLeftover removes the container named `name` if it is the pod's (and first the pod's agents);
// it says what it removed. A container of that name that is not the pod's is an error naming it.
func removeLeftover(ctx context.Context, cli *client.Client, name string, o owner) (string, error) {
	c, err := cli.ContainerInspect(ctx, name)
	if client.IsErrNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("looking up a container named %s: %w", name, err)
	}
	// Inspect also finds a container by an ID prefix: only the exact name counts.
	if strings.TrimPrefix(c.Name, "/") != name {
		return "", nil
	}
	if !o.owns(c) {
		return "", fmt.Errorf("the container name %s is taken by container %s, which is not labelled %s: "+
			"podlab leaves it alone; remove or rename it", name, shortID(c.ID), o)
	}
	var what []string
	if o.pod != "" {
		agents, err := removeAgents(ctx, cli, o.pod)
		if err != nil {
			return "", err
		}
		for _, a := range agents {
			what = append(what, "the pod's agent "+shortID(a))
		}
	}
	if err := removeContainer(ctx, cli, c.ID); err != nil {
		return "", fmt.Errorf("removing %s (%s), left by an interrupted update: %w", name, shortID(c.ID), err)
	}
	return strings.Join(append(what, name+" "+shortID(c.ID)), " and "), nil
}

// nameTaken reports whether a failed create met Docker's Conflict on the container's name.
func nameTaken(diags diag.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == diag.Error && strings.Contains(d.Summary+d.Detail, "is already in use") {
			return true
		}
	}
	return false
}

func createPodlabContainer(create schema.CreateContextFunc) schema.CreateContextFunc {
	return func(ctx context.Context, d *schema.ResourceData, meta interface{}) diag.Diagnostics {
		o := ownerOf(d)
		name, _ := d.Get("name").(string)
		if !o.podlab() || name == "" {
			return create(ctx, d, meta)
		}
		cli, err := shim.DockerClient(ctx, meta, d)
		if err != nil {
			return create(ctx, d, meta)
		}
		var notes diag.Diagnostics
		for attempt := 1; ; attempt++ {
			removed, err := removeLeftover(ctx, cli, name, o)
			if err != nil {
				return append(notes, diag.FromErr(err)...)
			}
			if removed != "" {
				// Said in `pulumi up`'s output (the bridge's logger, on the resource); a warning
				// diagnostic where the bridge gave no logger.
				msg := fmt.Sprintf("podlab: removed %s, left by an interrupted update; %s is made anew", removed, name)
				if logger := tflog.TryGetLogger(ctx); logger != nil {
					logger.Warn(msg)
				} else {
					notes = append(notes, diag.Diagnostic{Severity: diag.Warning, Summary: msg})
				}
			}
			diags := create(ctx, d, meta)
			if d.Id() != "" || !nameTaken(diags) || attempt == createAttempts {
				return append(notes, diags...)
			}
		}
	}
}
