package main

// What the agent remembers of each container across its runs, its removal and the agent's own
// restarts: the kubelet's status history. Kubernetes judges a container that is gone by its last
// status, not by its absence (pkg/kubelet/kuberuntime/kuberuntime_manager.go, computePodActions, and
// pkg/kubelet/status/status_manager.go, which never lets a terminated container that must not
// restart go back to running), so a container that completed and was then removed (docker container
// prune) is still "terminated, Completed", and is not run again.

import "time"

// Terminated is the Pod API's ContainerStateTerminated (k8s.io/api/core/v1).
type Terminated struct {
	ExitCode    int       `json:"exitCode"`
	Reason      string    `json:"reason,omitempty"`
	Message     string    `json:"message,omitempty"`
	StartedAt   time.Time `json:"startedAt,omitzero"`
	FinishedAt  time.Time `json:"finishedAt,omitzero"`
	ContainerID string    `json:"containerID,omitempty"`
}

// History is one container's runs as the agent saw them: the latest run, how it ended, and how the
// run before it ended (Kubernetes' lastState).
type History struct {
	RunID      string    `json:"runID,omitempty"`
	RunStarted time.Time `json:"runStarted,omitzero"`
	// RunLife is the sandbox life (see lifeOf) the latest run belonged to; "" when it ran outside the
	// sandbox's current namespaces.
	RunLife string `json:"runLife,omitempty"`
	// Ended is how the latest run ended; nil while it runs.
	Ended *Terminated `json:"ended,omitempty"`
	// Before is how the run before the latest one ended.
	Before *Terminated `json:"before,omitempty"`
}

// lifeOf names one life of a sandbox: its container and the start of its current run. A restart of
// the sandbox is a new life, as the kubelet's new sandbox is a new pod sandbox.
func lifeOf(sb *Observed) string {
	if sb == nil || !sb.Running {
		return ""
	}
	return sb.ID + "@" + sb.StartedAt.UTC().Format(time.RFC3339Nano)
}

// terminatedReason is the reason the kubelet gives a terminated container: the runtime's OOMKilled
// when the kernel's OOM killer ended it (Docker's State.OOMKilled), ContainerCannotRun when it could
// not start (dockershim's word, with Docker's error as the message), else Completed for exit code 0
// and Error for any other.
func terminatedReason(o *Observed) (reason, message string) {
	switch {
	case o.OOMKilled:
		return "OOMKilled", ""
	case o.Error != "":
		return "ContainerCannotRun", o.Error
	case o.ExitCode == 0:
		return "Completed", ""
	default:
		return "Error", ""
	}
}

// terminatedOf is the Pod API's terminated state of a run that has ended.
func terminatedOf(o *Observed) *Terminated {
	reason, message := terminatedReason(o)
	return &Terminated{ExitCode: o.ExitCode, Reason: reason, Message: message, StartedAt: o.StartedAt, FinishedAt: o.FinishedAt, ContainerID: "docker://" + o.ID}
}

// ended reports whether a container that is not running has run and stopped (not merely created).
func ended(o *Observed) bool {
	return o != nil && !o.Running && !o.Created && !o.StartedAt.IsZero()
}

// Saw records what Docker shows of the container now. life is the sandbox's current life, for a run
// that joined it after it started.
func (h *History) Saw(o *Observed, life string) {
	if o == nil || o.Created || o.StartedAt.IsZero() {
		return
	}
	if o.ID != h.RunID || !o.StartedAt.Equal(h.RunStarted) {
		// A new run: the last one's end becomes lastState. An end the agent never saw (a run that was
		// restarted between two looks) is not made up.
		h.Before = h.Ended
		h.RunID, h.RunStarted, h.RunLife, h.Ended = o.ID, o.StartedAt, life, nil
	}
	if ended(o) {
		h.Ended = terminatedOf(o)
	}
}

// CompletedIn reports whether the latest run completed (exit code 0) in the given sandbox life.
func (h *History) CompletedIn(life string) bool {
	return h != nil && life != "" && h.RunLife == life && h.Ended != nil && h.Ended.ExitCode == 0
}
