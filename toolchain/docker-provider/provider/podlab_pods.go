package provider

// Narrow rules for the containers of podlab's docker-host pods (those labelled podlab.dev/pod, and
// each pod's agent, labelled podlab.dev/agent-of), so that Pulumi sees a pod as the host runs it
// (README, "A Pod at runtime"):
//
//  1. Made again under its name. When a pod's sandbox is removed by hand, podlab's pod agent (agent/)
//     makes it and its members again, as the kubelet makes a new sandbox: same name, same
//     configuration, new container IDs. The Terraform provider's Read drops a resource whose ID is
//     gone, after which `pulumi up` would try to create a second container of the same name. Here a
//     Read that finds the ID gone looks the name up, and adopts the container if it carries the same
//     pod label.
//  2. Outside its sandbox. A member that runs but joined an older sandbox (the sandbox restarted
//     after the member started, so the member kept the old network and IPC namespaces), or whose
//     sandbox is not running, is not running as declared. Read records it as the provider records a
//     stopped container: must_run false, so `pulumi preview` after `pulumi refresh` shows
//     `~ mustRun` on that member, and `pulumi up` repairs it: Update restarts such a member (a start
//     joins the sandbox's current namespaces), where the provider alone would only start a stopped one.
//  3. Running again as declared. The provider's Read only ever lowers must_run (a stopped container
//     reads false) and never raises it back, so a refresh taken while the agent was repairing the pod
//     would leave `~ mustRun: false => true` in every later preview, until an `up`, although the pod
//     is whole. Read sets must_run back to what podlab's program declares once the container runs as
//     its pod wants it: see declaredMustRun.
//  4. Left over by an interrupted update. A `pulumi up` killed after Docker made a container but
//     before the state recorded it leaves a container that the next `up` must create again under the
//     same name. Create replaces such a leftover, and only one that is provably the same pod's: see
//     podlab_leftovers.go.
//  5. Pod-level limits the agent has not restored (see podlab_agent.go): the agent reads back as not
//     running as declared, and `pulumi up` restarts it.

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// podlab's labels (components/model/labels.ts).
const (
	labelPod     = "podlab.dev/pod"
	labelAgentOf = "podlab.dev/agent-of"
	labelRole    = "podlab.dev/role"
	labelSpec    = "podlab.dev/spec"
	labelStack   = "podlab.dev/stack"
)

// labelOf returns the value of one label of a container resource, or "".
func labelOf(d *schema.ResourceData, key string) string {
	set, ok := d.Get("labels").(*schema.Set)
	if !ok {
		return ""
	}
	for _, l := range set.List() {
		m, _ := l.(map[string]interface{})
		if m["label"] == key {
			v, _ := m["value"].(string)
			return v
		}
	}
	return ""
}

// podOf returns the pod label of a container resource, or "".
func podOf(d *schema.ResourceData) string { return labelOf(d, labelPod) }

// outsideSandbox reports whether a running container joined a sandbox (network mode container:ID)
// that is not running, or that started after it did.
func outsideSandbox(ctx context.Context, cli *client.Client, c container.InspectResponse) bool {
	if c.State == nil || !c.State.Running || c.HostConfig == nil || !c.HostConfig.NetworkMode.IsContainer() {
		return false
	}
	sb, err := cli.ContainerInspect(ctx, c.HostConfig.NetworkMode.ConnectedContainer())
	if err != nil {
		return client.IsErrNotFound(err)
	}
	if sb.State == nil || !sb.State.Running {
		return true
	}
	started, err1 := time.Parse(time.RFC3339Nano, c.State.StartedAt)
	sbStarted, err2 := time.Parse(time.RFC3339Nano, sb.State.StartedAt)
	return err1 == nil && err2 == nil && started.Before(sbStarted)
}

// declaredMustRun returns must_run as podlab's program declares it for a container that runs as its
// pod wants it, and false for ok when the rule does not apply (the container is not running, runs
// outside its sandbox, or its pod's restart policy cannot be read): then Read keeps the provider's
// value. What the program declares (components/docker/pod.ts and agent.ts):
//   - the sandbox and the agent leave must_run at the provider's default, true;
//   - a member declares `mustRun: restartPolicy === "Always"`: under OnFailure and Never a member
//     that exited for good is no drift. The restart policy is read from the spec the pod's sandbox
//     records (label podlab.dev/spec), through the sandbox the member joined, which must be one of
//     the same pod.
//
// Init containers declare must_run false and are not running once done: nothing to set back.
func declaredMustRun(ctx context.Context, cli *client.Client, c container.InspectResponse) (mustRun, ok bool) {
	if c.State == nil || !c.State.Running || c.Config == nil {
		return false, false
	}
	labels := c.Config.Labels
	pod := labels[labelPod]
	switch {
	case pod == "" && labels[labelAgentOf] != "" && labels[labelRole] == "agent":
		return true, true
	case pod != "" && labels[labelRole] == "sandbox":
		return true, true
	case pod != "" && labels[labelRole] == "member":
		if c.HostConfig == nil || !c.HostConfig.NetworkMode.IsContainer() || outsideSandbox(ctx, cli, c) {
			return false, false
		}
		sb, err := cli.ContainerInspect(ctx, c.HostConfig.NetworkMode.ConnectedContainer())
		if err != nil || sb.Config == nil || sb.Config.Labels[labelPod] != pod || sb.Config.Labels[labelRole] != "sandbox" {
			return false, false
		}
		var spec struct {
			RestartPolicy string `json:"restartPolicy"`
		}
		if json.Unmarshal([]byte(sb.Config.Labels[labelSpec]), &spec) != nil {
			return false, false
		}
		switch spec.RestartPolicy {
		case "Always":
			return true, true
		case "OnFailure", "Never":
			return false, true
		}
	}
	return false, false
}

func readPodlabContainer(read schema.ReadContextFunc) schema.ReadContextFunc {
	return func(ctx context.Context, d *schema.ResourceData, meta interface{}) diag.Diagnostics {
		pod, agentOf := podOf(d), labelOf(d, labelAgentOf)
		name, _ := d.Get("name").(string)
		diags := read(ctx, d, meta)
		if diags.HasError() || (pod == "" && agentOf == "") {
			return diags
		}
		cli, err := shim.DockerClient(ctx, meta, d)
		if err != nil {
			return diags
		}
		if d.Id() == "" && name != "" && pod != "" {
			c, err := cli.ContainerInspect(ctx, name)
			if err != nil || c.Config == nil || c.Config.Labels[labelPod] != pod || strings.TrimPrefix(c.Name, "/") != name {
				return diags
			}
			d.SetId(c.ID)
			if diags = read(ctx, d, meta); diags.HasError() || d.Id() == "" {
				return diags
			}
		}
		if d.Id() == "" {
			return diags
		}
		c, err := cli.ContainerInspect(ctx, d.Id())
		if err != nil {
			return diags
		}
		switch {
		case pod != "" && outsideSandbox(ctx, cli, c):
			d.Set("must_run", false)
		case agentOf != "" && c.State != nil && c.State.Running && limitsDrift(ctx, cli, c.ID, agentOf):
			// Rule 5 (podlab_agent.go), after rule 3: an agent that runs but has not restored its
			// pod's limits is not running as declared.
			d.Set("must_run", false)
		default:
			if mustRun, ok := declaredMustRun(ctx, cli, c); ok {
				d.Set("must_run", mustRun)
			}
		}
		return diags
	}
}

func updatePodlabContainer(update schema.UpdateContextFunc) schema.UpdateContextFunc {
	return func(ctx context.Context, d *schema.ResourceData, meta interface{}) diag.Diagnostics {
		if labelOf(d, labelAgentOf) != "" && d.HasChange("must_run") && d.Get("must_run").(bool) {
			// Rule 5: a running agent whose pod's limits drifted is restarted; its first sync writes them.
			if cli, err := shim.DockerClient(ctx, meta, d); err == nil {
				if c, err := cli.ContainerInspect(ctx, d.Id()); err == nil && c.State != nil && c.State.Running && limitsDrift(ctx, cli, c.ID, labelOf(d, labelAgentOf)) {
					if err := cli.ContainerRestart(ctx, d.Id(), container.StopOptions{}); err != nil {
						return diag.Errorf("restarting %s to restore its pod's limits: %s", d.Get("name"), err)
					}
				}
			}
		}
		if podOf(d) != "" && d.HasChange("must_run") && d.Get("must_run").(bool) {
			if cli, err := shim.DockerClient(ctx, meta, d); err == nil {
				if c, err := cli.ContainerInspect(ctx, d.Id()); err == nil && outsideSandbox(ctx, cli, c) {
					grace := 2
					if err := cli.ContainerRestart(ctx, d.Id(), container.StopOptions{Timeout: &grace}); err != nil {
						return diag.Errorf("restarting %s into its pod's sandbox: %s", d.Get("name"), err)
					}
				}
			}
		}
		return update(ctx, d, meta)
	}
}
