package provider

// Two narrow rules for the containers of podlab's docker-host pods (those labelled podlab.dev/pod),
// so that Pulumi sees a pod as the host runs it (issue "A Pod at runtime"):
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

import (
	"context"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

const labelPod = "podlab.dev/pod"

// podOf returns the pod label of a container resource, or "".
func podOf(d *schema.ResourceData) string {
	set, ok := d.Get("labels").(*schema.Set)
	if !ok {
		return ""
	}
	for _, l := range set.List() {
		m, _ := l.(map[string]interface{})
		if m["label"] == labelPod {
			v, _ := m["value"].(string)
			return v
		}
	}
	return ""
}

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

func readPodlabContainer(read schema.ReadContextFunc) schema.ReadContextFunc {
	return func(ctx context.Context, d *schema.ResourceData, meta interface{}) diag.Diagnostics {
		pod := podOf(d)
		name, _ := d.Get("name").(string)
		diags := read(ctx, d, meta)
		if diags.HasError() || pod == "" {
			return diags
		}
		cli, err := shim.DockerClient(ctx, meta, d)
		if err != nil {
			return diags
		}
		if d.Id() == "" && name != "" {
			c, err := cli.ContainerInspect(ctx, name)
			if err != nil || c.Config == nil || c.Config.Labels[labelPod] != pod || strings.TrimPrefix(c.Name, "/") != name {
				return diags
			}
			d.SetId(c.ID)
			if diags = read(ctx, d, meta); diags.HasError() || d.Id() == "" {
				return diags
			}
		}
		if c, err := cli.ContainerInspect(ctx, d.Id()); err == nil && outsideSandbox(ctx, cli, c) {
			d.Set("must_run", false)
		}
		return diags
	}
}

func updatePodlabContainer(update schema.UpdateContextFunc) schema.UpdateContextFunc {
	return func(ctx context.Context, d *schema.ResourceData, meta interface{}) diag.Diagnostics {
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
