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
	"time"
)

// stopPod stops the pod's running containers (only those named in only, when it is not empty) in
// the kubelet's order, each with the pod's grace, and writes a line per container to out. It fails
// when Docker cannot be asked or a container could not be stopped.
func (a *Agent) stopPod(ctx context.Context, only []string, out io.Writer) error {
	t0 := time.Now()
	a.load()
	cs, err := list(ctx, a.cli, a.pod)
	if err != nil {
		return fmt.Errorf("pod %s: listing its containers: %w", a.pod, err)
	}
	podIP := ""
	if len(cs.sandboxes) > 0 && cs.sandboxes[0].NetworkSettings != nil {
		podIP = cs.sandboxes[0].NetworkSettings.IPAddress
	}
	running := map[string]string{}
	for name, c := range cs.members {
		if c.State != nil && c.State.Running && (len(only) == 0 || slices.Contains(only, name)) {
			running[name] = c.ID
		}
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
