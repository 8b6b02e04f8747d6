package main

// The pod's status as the agent keeps it, in the words and shapes of the Kubernetes Pod API
// (k8s.io/api/core/v1 PodStatus and ContainerStatus: state and lastState as waiting, running or
// terminated with reason, exitCode, startedAt and finishedAt; restartCount; ready), written to
// status.json after every settled sync. `podlab-agent status` prints it and `podlab-agent wait` is
// the readiness gate that `pulumi up` runs.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// ContainerStateWaiting is the Pod API's waiting state: the reason it does not run (ContainerCreating,
// PodInitializing, CrashLoopBackOff) and, for a back-off, how long it still waits.
type ContainerStateWaiting struct {
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ContainerStateRunning is the Pod API's running state, since when it runs.
type ContainerStateRunning struct {
	StartedAt time.Time `json:"startedAt,omitzero"`
}

// ContainerState holds exactly one of its members (none: not known yet).
type ContainerState struct {
	Waiting    *ContainerStateWaiting `json:"waiting,omitempty"`
	Running    *ContainerStateRunning `json:"running,omitempty"`
	Terminated *Terminated            `json:"terminated,omitempty"`
}

type ContainerStatus struct {
	Name string `json:"name"`
	// ContainerID is the runtime's "<type>://<id>", as the kubelet reports it.
	ContainerID  string         `json:"containerID,omitempty"`
	State        ContainerState `json:"state"`
	LastState    ContainerState `json:"lastState"`
	RestartCount int            `json:"restartCount"`
	Ready        bool           `json:"ready"`
	Started      bool           `json:"started"`
	// podlab's own: it runs in the sandbox's current namespaces (started after the sandbox did).
	InSandbox bool `json:"inSandbox"`
	// podlab's own: the last probe warning (the kubelet records it as a ProbeWarning event).
	ProbeWarning string `json:"probeWarning,omitempty"`
}

// PodCgroupStatus is the pod's cgroup parent with its pod-level limits, declared and enforced.
type PodCgroupStatus struct {
	Parent    string     `json:"parent"`
	Declared  *PodLimits `json:"declared,omitempty"`
	Enforced  *PodLimits `json:"enforced,omitempty"`
	Restored  int        `json:"restored"`
	LastError string     `json:"lastError,omitempty"`
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
	Cgroup        *PodCgroupStatus  `json:"podCgroup,omitempty"`
	Updated       time.Time         `json:"updated"`
}

// waitingState is a waiting state with its reason.
func waitingState(reason string) ContainerState {
	return ContainerState{Waiting: &ContainerStateWaiting{Reason: reason}}
}

// containerStatus is one container's status from what Docker shows (o, nil when the container does
// not exist) and its history: a container that is gone keeps its last terminated state.
func (a *Agent) containerStatus(name string, o *Observed, h *History, sb *Observed, notYet string) ContainerStatus {
	cs := ContainerStatus{Name: name, State: waitingState(notYet), RestartCount: a.state.Restarts[name]}
	if h != nil && h.Before != nil {
		cs.LastState.Terminated = h.Before
	}
	switch {
	case o != nil && o.Running:
		cs.ContainerID = "docker://" + o.ID
		cs.State = ContainerState{Running: &ContainerStateRunning{StartedAt: o.StartedAt}}
		cs.Started = a.started(name, o)
		if !a.hooks.PostStarted(name, incarnation{o.ID, o.StartedAt}) {
			// The kubelet does not call a container running before its postStart hook completed.
			cs.State = waitingState("ContainerCreating")
		}
		cs.InSandbox = sb != nil && sb.Running && o.JoinedID == sb.ID && !o.StartedAt.Before(sb.StartedAt)
	case o != nil && ended(o):
		cs.ContainerID = "docker://" + o.ID
		cs.State = ContainerState{Terminated: terminatedOf(o)}
		if msg := a.hooks.Failed(incarnation{o.ID, o.StartedAt}); msg != "" && (a.sidecars[name] || shouldRestart(a.policy, o.ExitCode)) {
			// Killed for a failed postStart hook: the kubelet's status says so while it waits to
			// start again (its reason cache, pkg/kubelet/kuberuntime ErrPostStartHook); one that is
			// not started again stays terminated.
			cs.LastState.Terminated = cs.State.Terminated
			cs.State = ContainerState{Waiting: &ContainerStateWaiting{Reason: "PostStartHookError", Message: msg}}
		}
	case o != nil:
		cs.ContainerID = "docker://" + o.ID // created, not started yet
	case h != nil && h.Ended != nil:
		// Removed after it ended: its last status stands.
		cs.ContainerID = h.Ended.ContainerID
		cs.State = ContainerState{Terminated: h.Ended}
	}
	return cs
}

// backOff turns a terminated container that waits to be started again into the kubelet's
// "waiting (CrashLoopBackOff)" with the run that ended as its lastState.
func backOff(cs *ContainerStatus, reason string, w Waiting, now time.Time) {
	if cs.State.Terminated != nil {
		cs.LastState.Terminated = cs.State.Terminated
	}
	msg := ""
	if !w.Until.IsZero() {
		msg = fmt.Sprintf("back-off %s restarting failed container=%s", w.Until.Sub(now).Round(time.Second), cs.Name)
	}
	cs.State = ContainerState{Waiting: &ContainerStateWaiting{Reason: reason, Message: msg}}
}

func (a *Agent) status(p Pod, waits []Waiting, now time.Time) PodStatus {
	waiting := map[string]Waiting{}
	for _, w := range waits {
		waiting[w.Container] = w
	}
	st := PodStatus{Pod: a.pod, RestartPolicy: a.policy, Updated: now, Cgroup: a.cgroupStatus}
	st.Sandbox = ContainerStatus{Name: "sandbox", State: waitingState("ContainerCreating"), RestartCount: a.state.SandboxRestarts}
	if sb := p.Sandbox; sb != nil {
		st.Sandbox.ContainerID = "docker://" + sb.ID
		if sb.Running {
			st.Sandbox.State = ContainerState{Running: &ContainerStateRunning{StartedAt: sb.StartedAt}}
			st.Sandbox.Ready, st.Sandbox.Started, st.Sandbox.InSandbox = true, true, true
		} else if ended(sb) {
			st.Sandbox.State = ContainerState{Terminated: terminatedOf(sb)}
		}
	}
	ready := st.Sandbox.Ready
	readySince := time.Time{}
	if p.Sandbox != nil {
		readySince = p.Sandbox.StartedAt
	}
	// Init containers: each done once it completed in the sandbox's current life (or once the pod
	// is initialized in it: a completed init container that was removed stays done).
	initialized := true
	for _, name := range a.inits {
		cs := a.containerStatus(name, p.Observed[name], a.state.History[name], p.Sandbox, "PodInitializing")
		if a.sidecars[name] {
			// A sidecar is Ready as an app container is (its readiness probe), and the pod is Ready only
			// while it is (the kubelet's ContainersReady counts restartable init containers).
			if cs.State.Running != nil {
				cs.Ready = cs.InSandbox && a.prober.Ready(name) && cs.Started
			}
			cs.ProbeWarning = a.prober.Warning(name)
			if w, ok := waiting[name]; ok && (w.Reason == "CrashLoopBackOff" || w.Reason == "Init:CrashLoopBackOff") {
				backOff(&cs, "CrashLoopBackOff", w, now)
			}
			if !cs.Ready {
				ready = false
			}
			if !p.Initialized && !(cs.State.Running != nil && cs.Started) {
				initialized = false
			}
			st.Inits = append(st.Inits, cs)
			continue
		}
		if p.Initialized && p.Observed[name] == nil && cs.State.Terminated == nil {
			// Removed before this agent saw it run (its status history began after): an app container
			// started in this sandbox, which only happens once every init container completed in it.
			cs.State = ContainerState{Terminated: &Terminated{Reason: "Completed", Message: "removed; completed before an app container started in this sandbox"}}
		}
		done := p.Initialized || a.state.History[name].CompletedIn(lifeOf(p.Sandbox))
		if t := cs.State.Terminated; t != nil && t.ExitCode == 0 && done {
			cs.Ready = true
		}
		if w, ok := waiting[name]; ok && w.Reason == "Init:CrashLoopBackOff" {
			backOff(&cs, "CrashLoopBackOff", w, now)
		}
		if !cs.Ready {
			initialized = false
		}
		st.Inits = append(st.Inits, cs)
	}
	ready = ready && initialized
	for _, name := range a.members {
		cs := a.containerStatus(name, p.Observed[name], a.state.History[name], p.Sandbox, "ContainerCreating")
		if cs.State.Running != nil {
			cs.Ready = cs.InSandbox && a.prober.Ready(name) && cs.Started
		}
		cs.ProbeWarning = a.prober.Warning(name)
		if w, ok := waiting[name]; ok && w.Reason == "CrashLoopBackOff" {
			backOff(&cs, w.Reason, w, now)
		}
		// As in Kubernetes, the pod is Ready only while every container is: one that completed
		// (OnFailure, Never) makes it not Ready.
		if !cs.Ready {
			ready = false
		}
		if r := cs.State.Running; r != nil && r.StartedAt.After(readySince) {
			readySince = r.StartedAt
		}
		st.Containers = append(st.Containers, cs)
	}
	st.Phase = getPhase(a.policy, st.Inits, a.sidecars, st.Containers, a.state.Terminal != "")
	if a.state.Terminal != "" {
		st.Phase = a.state.Terminal
	} else if terminalPhase(st.Phase) {
		a.state.Terminal = st.Phase
	}
	st.Ready = ready && st.Phase == PodRunning
	if !st.Ready {
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

func readStatus(path string) (PodStatus, error) {
	var st PodStatus
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// Wait blocks until the pod is ready (and has been for `minReady`, Kubernetes' minReadySeconds, 0 by
// default), or has Succeeded, or fails: at once when the pod is Failed, else after `timeout`, with
// what keeps it from being ready: each container's state, last state, exit code, restart count and
// last log lines.
func (a *Agent) Wait(ctx context.Context, timeout, minReady time.Duration) error {
	deadline := time.Now().Add(timeout)
	var st PodStatus
	var err error
	for {
		st, err = readStatus(a.statusPath())
		fresh := err == nil && time.Since(st.Updated) < 30*time.Second
		// What Pulumi's Kubernetes provider waits for on a Pod: Ready, or Succeeded (every container
		// completed under OnFailure or Never); no stability window unless minReadySeconds asks one.
		if fresh && st.Ready && time.Since(st.ReadySince) >= minReady {
			fmt.Printf("pod %s is ready: %s\n", a.pod, summary(st))
			return nil
		}
		if fresh && st.Phase == PodSucceeded {
			fmt.Printf("pod %s has succeeded: %s\n", a.pod, summary(st))
			return nil
		}
		if fresh && st.Phase == PodFailed {
			return a.notReady(ctx, st, fmt.Sprintf("pod %s has failed (phase Failed, restartPolicy %s):", a.pod, st.RestartPolicy))
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("pod %s: no status from its agent after %s: %v", a.pod, timeout, err)
	}
	return a.notReady(ctx, st, fmt.Sprintf("pod %s is not ready after %s (phase %s):", a.pod, timeout, st.Phase))
}

// notReady is the gate's failure: the headline, then each container that is not ready or restarted.
func (a *Agent) notReady(ctx context.Context, st PodStatus, headline string) error {
	var b strings.Builder
	b.WriteString(headline)
	for _, c := range append(append([]ContainerStatus{st.Sandbox}, st.Inits...), st.Containers...) {
		if c.Ready && c.RestartCount == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n  container %s: %s", c.Name, describe(c))
		if id := strings.TrimPrefix(c.ContainerID, "docker://"); id != "" && c.Name != "sandbox" {
			if logs := strings.TrimRight(tail(ctx, a.cli, id, 10), "\n"); logs != "" {
				fmt.Fprintf(&b, "\n    last log lines:\n      %s", strings.ReplaceAll(logs, "\n", "\n      "))
			}
		}
	}
	return fmt.Errorf("%s", b.String())
}

// stateText is a state in kubectl's words: "running", "waiting (CrashLoopBackOff)",
// "terminated (OOMKilled), exit code 137".
func stateText(s ContainerState) string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Terminated != nil:
		t := s.Terminated
		out := "terminated"
		if t.Reason != "" {
			out += " (" + t.Reason + ")"
		}
		return out + fmt.Sprintf(", exit code %d", t.ExitCode)
	case s.Waiting != nil:
		if s.Waiting.Reason != "" {
			return "waiting (" + s.Waiting.Reason + ")"
		}
		return "waiting"
	}
	return "unknown"
}

func describe(c ContainerStatus) string {
	s := stateText(c.State)
	if c.LastState.Terminated != nil {
		s += "; last state " + stateText(c.LastState)
	}
	if c.State.Running != nil && !c.InSandbox {
		s += ", outside the sandbox's current namespaces"
	}
	if c.ProbeWarning != "" {
		s += "; " + c.ProbeWarning
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
