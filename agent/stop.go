package main

// `podlab-agent stop`: a pod's end, for `pulumi destroy` and a replacement of the pod (the
// command `<pod>-stop`, whose delete runs it in a one-shot container of the agent's image before
// Pulumi removes the containers), or of one container with a preStop hook (`--containers`). The
// stop itself is the kubelet's, as the agent makes it at run time (terminate.go).

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
)

// stopPod stops the pod's running containers (only those named in only, when it is not empty) in
// the kubelet's order, each with the pod's grace, and writes a line per container to out. Only
// containers made before createdBefore are stopped, when it is not zero: the command that runs the
// stop was made after the pod's containers, and a replacement that Pulumi orders after the pod's new
// containers exist must not stop those (they are another pod). The agents that keep the pod are
// stopped first: Pulumi deletes them in the same update, and one still running would start again
// what the stop ends. It fails when Docker cannot be asked or a container could not be stopped.
func (a *Agent) stopPod(ctx context.Context, only []string, createdBefore time.Time, out io.Writer) error {
	t0 := time.Now()
	a.load()
	if err := stopAgentsOf(ctx, a.cli, a.pod, out); err != nil {
		return err
	}
	cs, err := list(ctx, a.cli, a.pod)
	if err != nil {
		return fmt.Errorf("pod %s: listing its containers: %w", a.pod, err)
	}
	podIP := cs.podIP()
	running := map[string]string{}
	for name, c := range cs.members {
		if c.State == nil || !c.State.Running || (len(only) > 0 && !slices.Contains(only, name)) {
			continue
		}
		if created := parseTime(c.Created); !createdBefore.IsZero() && created.After(createdBefore) {
			fmt.Fprintf(out, "pod %s: %s was made after this pod's stop (%s): another pod's, left alone\n", a.pod, name, created.UTC().Format(time.RFC3339Nano))
			continue
		}
		running[name] = c.ID
	}
	if len(running) == 0 {
		if len(only) == 0 {
			a.postStarted.remove()
		}
		fmt.Fprintf(out, "pod %s: no container of it runs\n", a.pod)
		return nil
	}
	fmt.Fprintf(out, "pod %s: stopping %d containers, terminationGracePeriodSeconds %d\n", a.pod, len(running), int(a.grace/time.Second))
	var failed []string
	for _, k := range terminate(ctx, a.killer(podIP), a.inits, a.sidecars, a.members, running, a.grace) {
		fmt.Fprintf(out, "  %s\n", k)
		if k.Err != nil {
			failed = append(failed, k.Name)
		}
	}
	if len(only) == 0 {
		a.postStarted.remove() // the pod has ended: nothing of it is left on the host
	}
	fmt.Fprintf(out, "pod %s: stopped in %s\n", a.pod, time.Since(t0).Round(10*time.Millisecond))
	if len(failed) > 0 {
		return fmt.Errorf("pod %s: could not stop %v", a.pod, failed)
	}
	return nil
}

// stopAgentsOf stops the running agent containers whose label podlab.dev/agent-of lists the pod.
func stopAgentsOf(ctx context.Context, cli *client.Client, pod string, out io.Writer) error {
	found, err := cli.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", labelRole+"=agent"))})
	if err != nil {
		return fmt.Errorf("pod %s: listing its agents: %w", pod, err)
	}
	for _, c := range found {
		if !slices.Contains(strings.Split(c.Labels[labelAgentOf], ","), pod) {
			continue
		}
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		grace := 5
		if err := cli.ContainerStop(ctx, c.ID, container.StopOptions{Timeout: &grace}); err != nil && !client.IsErrNotFound(err) {
			return fmt.Errorf("pod %s: stopping its agent %s: %w", pod, name, err)
		}
		fmt.Fprintf(out, "pod %s: its agent %s stopped first (Pulumi removes it in this update)\n", pod, name)
	}
	return nil
}
