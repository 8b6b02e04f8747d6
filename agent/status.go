package main

// The pod's status as the agent last saw it, in the words of the Kubernetes Pod API
// (status.containerStatuses: state running/waiting/terminated, reason, exitCode, restartCount,
// ready), written to status.json after every settled sync. `podlab-agent status` prints it and
// `podlab-agent wait` is the readiness gate that `pulumi up` runs.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

type ContainerStatus struct {
	Name         string    `json:"name"`
	ID           string    `json:"containerID,omitempty"`
	State        string    `json:"state"` // running | waiting | terminated
	Reason       string    `json:"reason,omitempty"`
	ExitCode     *int      `json:"exitCode,omitempty"`
	RestartCount int       `json:"restartCount"`
	Ready        bool      `json:"ready"`
	StartedAt    time.Time `json:"startedAt,omitzero"`
	// InSandbox: it runs in the sandbox's current namespaces (started after the sandbox did).
	InSandbox bool `json:"inSandbox"`
}

type PodStatus struct {
	Pod           string            `json:"pod"`
	RestartPolicy RestartPolicy     `json:"restartPolicy"`
	Phase         string            `json:"phase"` // Pending | Running | Succeeded | Failed
	Ready         bool              `json:"ready"`
	ReadySince    time.Time         `json:"readySince,omitzero"`
	Sandbox       ContainerStatus   `json:"sandbox"`
	Inits         []ContainerStatus `json:"initContainerStatuses,omitempty"`
	Containers    []ContainerStatus `json:"containerStatuses"`
	Updated       time.Time         `json:"updated"`
}

func (a *Agent) status(p Pod, waits []Waiting, now time.Time) PodStatus {
	waiting := map[string]Waiting{}
	for _, w := range waits {
		waiting[w.Container] = w
	}
	st := PodStatus{Pod: a.pod, RestartPolicy: a.policy, Updated: now}
	st.Sandbox = ContainerStatus{Name: "sandbox", State: "waiting", Reason: "ContainerCreating", RestartCount: a.state.SandboxRestarts}
	if p.Sandbox != nil {
		st.Sandbox.ID, st.Sandbox.StartedAt = p.Sandbox.ID, p.Sandbox.StartedAt
		if p.Sandbox.Running {
			st.Sandbox.State, st.Sandbox.Reason, st.Sandbox.Ready, st.Sandbox.InSandbox = "running", "", true, true
		} else {
			code := p.Sandbox.ExitCode
			st.Sandbox.State, st.Sandbox.Reason, st.Sandbox.ExitCode = "terminated", terminatedReason(code), &code
		}
	}
	ready := st.Sandbox.Ready
	readySince := st.Sandbox.StartedAt
	// Init containers: each done once it exited 0 in the sandbox's current life (Kubernetes'
	// initContainerStatuses); the pod stays Pending and not Ready until all are.
	initialized := true
	for _, name := range a.inits {
		cs := ContainerStatus{Name: name, State: "waiting", Reason: "PodInitializing", RestartCount: a.state.Restarts[name]}
		if o := p.Observed[name]; o != nil {
			cs.ID, cs.StartedAt = o.ID, o.StartedAt
			cs.InSandbox = p.Sandbox != nil && o.JoinedID == p.Sandbox.ID && !o.StartedAt.Before(p.Sandbox.StartedAt)
			switch {
			case o.Running:
				cs.State, cs.Reason = "running", ""
			case !o.Created:
				code := o.ExitCode
				cs.State, cs.Reason, cs.ExitCode = "terminated", terminatedReason(code), &code
				cs.Ready = code == 0 && cs.InSandbox
			}
		}
		if w, ok := waiting[name]; ok && strings.HasPrefix(w.Reason, "Init:") {
			cs.State, cs.Reason = "waiting", strings.TrimPrefix(w.Reason, "Init:")
		}
		if !cs.Ready {
			initialized = false
		}
		st.Inits = append(st.Inits, cs)
	}
	ready = ready && initialized
	running, succeeded, failed := 0, 0, 0
	for _, name := range a.members {
		cs := ContainerStatus{Name: name, State: "waiting", Reason: "ContainerCreating", RestartCount: a.state.Restarts[name]}
		if o := p.Observed[name]; o != nil {
			cs.ID, cs.StartedAt = o.ID, o.StartedAt
			cs.InSandbox = p.Sandbox != nil && o.JoinedID == p.Sandbox.ID && p.Sandbox.Running && !o.StartedAt.Before(p.Sandbox.StartedAt)
			switch {
			case o.Running:
				cs.State, cs.Reason, cs.Ready = "running", "", cs.InSandbox && a.prober.Ready(name)
				running++
			case !o.Created:
				code := o.ExitCode
				cs.State, cs.Reason, cs.ExitCode = "terminated", terminatedReason(code), &code
				if code == 0 {
					succeeded++
				} else {
					failed++
				}
			}
		}
		if w, ok := waiting[name]; ok && w.Reason == "CrashLoopBackOff" {
			cs.State, cs.Reason = "waiting", w.Reason
		}
		// As in Kubernetes, the pod is Ready only while every container is: one that completed
		// (OnFailure, Never) makes it not Ready, and once all have completed it is Succeeded.
		if !cs.Ready {
			ready = false
		}
		if cs.StartedAt.After(readySince) {
			readySince = cs.StartedAt
		}
		st.Containers = append(st.Containers, cs)
	}
	switch {
	case !initialized && p.Policy == Never && failedInit(st.Inits):
		st.Phase = "Failed"
	case !initialized:
		st.Phase = "Pending"
	case running > 0 && st.Sandbox.Ready:
		st.Phase = "Running"
	case succeeded == len(a.members):
		st.Phase = "Succeeded"
	case failed > 0 && p.Policy == Never:
		st.Phase = "Failed"
	default:
		st.Phase = "Pending"
	}
	st.Ready = ready
	if !ready {
		a.readyAt = time.Time{}
	} else {
		if a.readyAt.IsZero() {
			a.readyAt = now
		}
		// The later of the last start and the moment it became Ready: a probe may pass long after.
		st.ReadySince = readySince
		if a.readyAt.After(readySince) {
			st.ReadySince = a.readyAt
		}
	}
	return st
}

func failedInit(inits []ContainerStatus) bool {
	for _, c := range inits {
		if c.ExitCode != nil && *c.ExitCode != 0 {
			return true
		}
	}
	return false
}

func readStatus(path string) (PodStatus, error) {
	var st PodStatus
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// Wait blocks until the pod has been ready for `stable`, or fails after `timeout` with what keeps it
// from being ready: each container's state, exit code, restart count and last log lines.
func (a *Agent) Wait(ctx context.Context, timeout, stable time.Duration) error {
	deadline := time.Now().Add(timeout)
	var st PodStatus
	var err error
	for {
		st, err = readStatus(a.statusPath())
		fresh := err == nil && time.Since(st.Updated) < 30*time.Second
		// What Pulumi's Kubernetes provider waits for on a Pod: Ready, or Succeeded (every container
		// completed under OnFailure or Never). Ready must also have lasted `stable`.
		if fresh && st.Ready && time.Since(st.ReadySince) >= stable {
			fmt.Printf("pod %s is ready: %s\n", a.pod, summary(st))
			return nil
		}
		if fresh && st.Phase == "Succeeded" {
			fmt.Printf("pod %s has succeeded: %s\n", a.pod, summary(st))
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("pod %s: no status from its agent after %s: %v", a.pod, timeout, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pod %s is not ready after %s (phase %s):", a.pod, timeout, st.Phase)
	for _, c := range append(append([]ContainerStatus{st.Sandbox}, st.Inits...), st.Containers...) {
		if c.Ready && c.RestartCount == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n  container %s: %s", c.Name, describe(c))
		if c.ID != "" && c.Name != "sandbox" {
			if logs := strings.TrimRight(tail(ctx, a.cli, c.ID, 10), "\n"); logs != "" {
				fmt.Fprintf(&b, "\n    last log lines:\n      %s", strings.ReplaceAll(logs, "\n", "\n      "))
			}
		}
	}
	return fmt.Errorf("%s", b.String())
}

func describe(c ContainerStatus) string {
	s := c.State
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	if c.ExitCode != nil {
		s += fmt.Sprintf(", exit code %d", *c.ExitCode)
	}
	if c.State == "running" && !c.InSandbox {
		s += ", outside the sandbox's current namespaces"
	}
	return s + fmt.Sprintf(", %d restarts", c.RestartCount)
}

func summary(st PodStatus) string {
	var parts []string
	for _, c := range st.Containers {
		parts = append(parts, fmt.Sprintf("%s %s", c.Name, describe(c)))
	}
	return strings.Join(parts, "; ")
}
