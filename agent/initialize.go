package main

// `podlab-agent init`: a pod's init phase during `pulumi up` (the command `<pod>-init`, run once in
// a container of the agent's image before Pulumi makes the app containers). It runs the agent's own
// sync (actions.go: planInits, planSidecar) until the pod is initialized in its sandbox, as the
// kubelet's computePodActions runs init containers: one at a time, in order, each to completion,
// with the crash-loop back-off; a sidecar started in its turn, the next one waiting for its startup
// probe and its postStart hook, and restarted whenever it exits. What it prints is `pulumi up`'s
// account of the phase; a failure names the container, its exit code, its restarts and its last
// log lines (with the values of PODLAB_MASK masked).

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"
)

// initPod runs the pod's init phase within timeout. It fails when an init container fails under
// restartPolicy Never (the pod is Failed) or the phase does not end in time; then an init container
// still running is stopped, as the kubelet stops a pod that is deleted while it initializes.
func (a *Agent) initPod(ctx context.Context, timeout time.Duration, out io.Writer, m masker) error {
	t0 := time.Now()
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	a.load()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a.runCtx = ctx
	go a.watch(ctx, a.wake)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	told := map[string]bool{}
	for {
		again, err := a.sync(ctx)
		if err != nil && ctx.Err() == nil {
			log.Printf("pod %s: sync: %v", a.pod, err)
		}
		st, stErr := readStatus(a.statusPath())
		if stErr == nil {
			a.tellBackOffs(st, out, told)
		}
		if a.state.Initialized && a.state.Life != "" {
			fmt.Fprintf(out, "pod %s: initialized in %s\n", a.pod, time.Since(t0).Round(100*time.Millisecond))
			for _, c := range st.Inits {
				fmt.Fprintf(out, "  %s %s: %s\n", a.initKind(c.Name), c.Name, describe(c))
			}
			return nil
		}
		if stErr == nil && !again && st.Phase == PodFailed {
			return fmt.Errorf("%s", m.mask(a.initFailure(context.Background(), st, "", timeout)))
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s", m.mask(a.initFailure(context.Background(), st, "timeout", timeout)))
		}
		if again {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		select {
		case <-ctx.Done():
		case <-a.wake:
		case <-tick.C:
		}
	}
}

// initKind is how a message names an init container: a sidecar, or an init container.
func (a *Agent) initKind(name string) string {
	if a.sidecars[name] {
		return "sidecar"
	}
	return "init container"
}

// tellBackOffs says once per back-off when an init container or sidecar is started again.
func (a *Agent) tellBackOffs(st PodStatus, out io.Writer, told map[string]bool) {
	for _, c := range st.Inits {
		w := c.State.Waiting
		if w == nil || !strings.HasSuffix(w.Reason, "CrashLoopBackOff") || c.LastState.Terminated == nil {
			continue
		}
		key := fmt.Sprintf("%s/%d", c.Name, c.RestartCount)
		if told[key] {
			continue
		}
		told[key] = true
		fmt.Fprintf(out, "%s %s exited with code %d: starting it again %s (%s)\n", a.initKind(c.Name), c.Name, c.LastState.Terminated.ExitCode, backOffText(w.Message), w.Reason)
	}
}

// backOffText is when a back-off ends, from its waiting message ("back-off 10s restarting ..."), or
// "after the back-off".
func backOffText(message string) string {
	if f := strings.Fields(message); len(f) > 1 && f[0] == "back-off" {
		return "in " + f[1]
	}
	return "after the back-off"
}

// initFailure is the phase's failure: the first init container that has not completed (its state,
// exit code and restarts), a running one stopped on a timeout; then its last log lines.
func (a *Agent) initFailure(ctx context.Context, st PodStatus, why string, timeout time.Duration) string {
	var b strings.Builder
	var failed *ContainerStatus
	for i := range st.Inits {
		c := &st.Inits[i]
		done := c.State.Terminated != nil && c.State.Terminated.ExitCode == 0
		if a.sidecars[c.Name] {
			done = c.Started && c.State.Running != nil
		}
		if !done {
			failed = c
			break
		}
	}
	if failed == nil {
		fmt.Fprintf(&b, "pod %s: its init containers did not complete within the ready timeout (%s)", a.pod, timeout)
		return b.String()
	}
	kind := a.initKind(failed.Name)
	id := strings.TrimPrefix(failed.ContainerID, "docker://")
	switch {
	case why == "timeout" && failed.State.Running != nil && !a.sidecars[failed.Name]:
		if id != "" {
			if err := stop(ctx, a.cli, id, a.grace); err != nil {
				log.Printf("pod %s: stopping %s: %v", a.pod, failed.Name, err)
			}
		}
		fmt.Fprintf(&b, "pod %s: %s %s did not complete within the ready timeout (%s), %d restarts: stopped", a.pod, kind, failed.Name, timeout, failed.RestartCount)
	case a.sidecars[failed.Name]:
		fmt.Fprintf(&b, "pod %s: %s %s does not keep running: %s", a.pod, kind, failed.Name, describe(*failed))
	default:
		code := -1
		if t := failed.State.Terminated; t != nil {
			code = t.ExitCode
		} else if t := failed.LastState.Terminated; t != nil {
			code = t.ExitCode
		}
		if code >= 0 {
			fmt.Fprintf(&b, "pod %s: %s %s failed: exit code %d, %d restarts (restartPolicy %s)", a.pod, kind, failed.Name, code, failed.RestartCount, a.policy)
		} else {
			fmt.Fprintf(&b, "pod %s: %s %s did not run within the ready timeout (%s): %s", a.pod, kind, failed.Name, timeout, describe(*failed))
		}
	}
	if id != "" {
		if logs := strings.TrimRight(tail(ctx, a.cli, id, 10), "\n"); logs != "" {
			fmt.Fprintf(&b, "\n  last log lines:\n    %s", strings.ReplaceAll(logs, "\n", "\n    "))
		}
	}
	return b.String()
}
