package main

// The pod's phase by the kubelet's rules: getPhase in kubernetes pkg/kubelet/kubelet_pods.go
// (v1.34.4), without the ContainerRestartRules feature gate (off by default in 1.34). A sidecar
// (restartable init container) counts as an app container while it runs or waits to run for the
// first time, keeps the pod Pending until it has started (unless an app container has started
// already), and is not counted once it has terminated (it is stopped after the app). A regular init
// container still to run or running makes the pod Pending, even when app containers ran before (its
// sandbox changed, so it initializes again).
// A pod under restartPolicy Always is never Succeeded or Failed: with every container stopped it is
// Running, "in the process of restarting". A terminal pod (Succeeded or Failed once) stays so: the
// kubelet's status manager refuses a terminal phase going back (pkg/kubelet/status/status_manager.go,
// "attempted to set a terminal phase on a pod that is already terminal"), and the agent keeps it in
// its state (State.Terminal).

// Phases of the Pod API.
const (
	PodPending   = "Pending"
	PodRunning   = "Running"
	PodSucceeded = "Succeeded"
	PodFailed    = "Failed"
)

// getPhase computes the phase from the containers' statuses (init containers in spec order, then the
// app containers). terminal says the pod has already been judged terminal.
func getPhase(policy RestartPolicy, inits []ContainerStatus, sidecars map[string]bool, containers []ContainerStatus, terminal bool) string {
	pendingInitialization, failedInitialization := 0, 0
	for _, s := range inits {
		if sidecars[s.Name] {
			continue // counted below
		}
		switch {
		case s.State.Running != nil:
			pendingInitialization++
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode != 0 {
				failedInitialization++
			}
		case s.State.Waiting != nil:
			if s.LastState.Terminated != nil {
				if s.LastState.Terminated.ExitCode != 0 {
					failedInitialization++
				}
			} else {
				pendingInitialization++
			}
		default:
			pendingInitialization++
		}
	}
	unknown, running, waiting, stopped, succeeded := 0, 0, 0, 0, 0
	for _, s := range containers {
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil:
			if s.LastState.Terminated != nil {
				stopped++
			} else {
				waiting++
			}
		default:
			unknown++
		}
	}
	pendingSidecars, appStarted := 0, false
	for _, s := range containers {
		if s.State.Running != nil || s.State.Terminated != nil {
			appStarted = true // kubecontainer.HasAnyRegularContainerStarted
		}
	}
	for _, s := range inits {
		if !sidecars[s.Name] {
			continue
		}
		switch {
		case s.State.Running != nil:
			if !s.Started {
				pendingSidecars++
			}
			running++
		case s.State.Terminated != nil:
			// A terminated sidecar does not count toward the phase.
		case s.State.Waiting != nil:
			if s.LastState.Terminated == nil {
				pendingSidecars++
				waiting++
			}
		default:
			pendingSidecars++
			unknown++
		}
	}
	if failedInitialization > 0 && policy == Never {
		return PodFailed
	}
	switch {
	case pendingInitialization > 0 || (pendingSidecars > 0 && !appStarted):
		return PodPending
	case waiting > 0:
		return PodPending
	case running > 0 && unknown == 0:
		return PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		if terminal {
			if stopped == succeeded {
				return PodSucceeded
			}
			return PodFailed
		}
		if policy == Always {
			return PodRunning
		}
		if stopped == succeeded {
			return PodSucceeded
		}
		if policy == Never {
			return PodFailed
		}
		return PodRunning
	default:
		return PodPending
	}
}

// terminalPhase says whether a phase is final: Succeeded or Failed.
func terminalPhase(phase string) bool { return phase == PodSucceeded || phase == PodFailed }
