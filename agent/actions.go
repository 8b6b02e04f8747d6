package main

// What to do with a pod, decided from what Docker reports: a pure function of the observed
// containers, the restart policy and the back-off book, so that it can be tested without Docker.
//
// It follows the kubelet's computePodActions (kubernetes pkg/kubelet/kuberuntime/
// kuberuntime_manager.go): when the sandbox is gone, not running or newer than a running member, the
// pod's sandbox "changed" and every member is started again inside the current one; otherwise each
// member that is not running is started when the restart policy says so
// (kubecontainer.ShouldContainerBeRestarted), after the crash-loop back-off. Init containers come
// first, one at a time and in order, in every life of the sandbox: no member is started until each
// has completed in the current sandbox (computePodActions' InitContainersToStart). A sidecar (an init
// container with restartPolicy Always, KEP-753) is not awaited: the next one starts once it runs and
// its startup probe passed; after that it is kept running as an app container under restartPolicy
// Always, until every app container has completed for good, when it is stopped (the kubelet's
// computeInitContainerActions and its termination of restartable init containers).

import "time"

// RestartPolicy is the Pod's spec.restartPolicy.
type RestartPolicy string

const (
	Always    RestartPolicy = "Always"
	OnFailure RestartPolicy = "OnFailure"
	Never     RestartPolicy = "Never"
)

// Observed is one container as Docker reports it.
type Observed struct {
	ID         string
	Running    bool
	Created    bool // created, never started
	ExitCode   int
	StartedAt  time.Time
	FinishedAt time.Time
	// JoinedID is the sandbox container ID named by the member's network mode (container:<id>).
	JoinedID string
	// Error is Docker's last start error, e.g. "cannot join network of a non running container".
	Error string
	// OOMKilled: the kernel's OOM killer ended its last run (Docker's State.OOMKilled).
	OOMKilled bool
}

// Action is one step of a sync, carried out in order.
type Action struct {
	Kind      ActionKind
	Container string // "sandbox" or a member's name
	Reason    string // why, for the log and the events a user reads
	// Restart counts a restart of the member (kubelet's restartCount).
	Restart bool
}

type ActionKind string

const (
	StartSandbox    ActionKind = "start-sandbox"    // docker start of the existing sandbox
	RecreateSandbox ActionKind = "recreate-sandbox" // the sandbox was removed: create it again
	StartMember     ActionKind = "start-member"     // docker start: a start joins the sandbox's current namespaces
	RestartMember   ActionKind = "restart-member"   // stop, then start: it runs in the namespaces of an older sandbox
	RecreateMember  ActionKind = "recreate-member"  // it names a sandbox that is gone (or was removed itself)
	StopMember      ActionKind = "stop-member"      // the pod is done (restartPolicy Never/OnFailure)
	StartInit       ActionKind = "start-init"       // docker start of an init container: it runs to completion
	RecreateInit    ActionKind = "recreate-init"    // an init container that names a sandbox that is gone, or was removed
)

// Waiting says why a member is not started now, for the pod's status.
type Waiting struct {
	Container string
	Reason    string // CrashLoopBackOff, ContainerCreating, Completed
	Until     time.Time
}

// Pod is what a sync sees of one pod.
type Pod struct {
	Policy  RestartPolicy
	Sandbox *Observed // nil: no sandbox container
	// HaveSandboxSnapshot: the agent has seen the sandbox and can make it again.
	HaveSandboxSnapshot bool
	// Inits are the init containers, in spec order; Sidecars those with restartPolicy Always; Members
	// the app containers.
	Inits        []string
	Sidecars     map[string]bool
	Members      []string             // in spec order
	Observed     map[string]*Observed // by container name (init or member); missing: no such container
	HaveSnapshot map[string]bool
	// LivenessFailed names the members whose last run was stopped for failing its liveness probe:
	// they are restarted unless the policy is Never, whatever their exit code (the kubelet's rule).
	LivenessFailed map[string]bool
	// OtherSandbox reports whether an ID is another sandbox of this pod that still exists (Pulumi is
	// replacing the pod's sandbox; the members follow in the same update).
	OtherSandbox func(id string) bool
	// History is each container's status history (see history.go): a container that is gone is
	// judged by how its last run ended.
	History map[string]*History
	// Initialized: the pod's init containers have completed in the sandbox's current life, or an app
	// container has run in it. Init containers then never run again in this life, even if removed
	// (the kubelet, since 1.20: computePodActions only runs them again in a new sandbox).
	Initialized bool
	// Terminal: the pod has Succeeded or Failed; nothing of it runs again.
	Terminal bool
	// Started says whether a running container passed its startup probe (nil: all have).
	Started func(name string) bool
}

// policyOf is the restart policy that applies to a container: Always for a sidecar, else the pod's.
func (p Pod) policyOf(name string) RestartPolicy {
	if p.Sidecars[name] {
		return Always
	}
	return p.Policy
}

// appDone says whether every app container has completed for good: none runs, and none is to be
// started again under the pod's restartPolicy. Sidecars are then stopped, and kept stopped.
func (p Pod) appDone() bool {
	if p.Policy == Always {
		return false
	}
	for _, name := range p.Members {
		o := p.Observed[name]
		code, _, exited := p.lastExit(name)
		if (o != nil && (o.Running || o.Created)) || !exited || shouldRestart(p.Policy, code) || (p.LivenessFailed[name] && p.Policy != Never) {
			return false
		}
	}
	return true
}

// lastExit is how a container's last run ended, from Docker or, for a removed container, from its
// history; ok is false when it is not known to have run and stopped.
func (p Pod) lastExit(name string) (code int, finished time.Time, ok bool) {
	if o := p.Observed[name]; o != nil {
		if ended(o) {
			return o.ExitCode, o.FinishedAt, true
		}
		return 0, time.Time{}, false
	}
	if h := p.History[name]; h != nil && h.Ended != nil {
		return h.Ended.ExitCode, h.Ended.FinishedAt, true
	}
	return 0, time.Time{}, false
}

// shouldRestart is kubecontainer.ShouldContainerBeRestarted for a container that has exited.
func shouldRestart(policy RestartPolicy, exitCode int) bool {
	switch policy {
	case Never:
		return false
	case OnFailure:
		return exitCode != 0
	default:
		return true
	}
}

// Plan decides the actions of one sync. now is the current time; backoff is the crash-loop book.
func Plan(p Pod, now time.Time, backoff *BackOff) ([]Action, []Waiting) {
	var acts []Action
	var waits []Waiting
	if p.Terminal {
		// A Succeeded or Failed pod is done for good (the kubelet's podIsTerminal): nothing runs again.
		return nil, nil
	}

	sandboxDown := p.Sandbox == nil || !p.Sandbox.Running
	if sandboxDown {
		// The sandbox changed. kubelet: with restartPolicy Never a pod whose containers have run is
		// not given a new sandbox; with OnFailure only if some container still has to run.
		toStart := 0
		ran := 0
		for _, name := range p.Members {
			o := p.Observed[name]
			code, _, exited := p.lastExit(name)
			if o == nil && !exited {
				continue
			}
			if exited || (o != nil && o.Running) {
				ran++
			}
			if p.Policy == OnFailure && exited && code == 0 {
				continue
			}
			toStart++
		}
		if (p.Policy == Never && ran > 0) || toStart == 0 {
			for _, name := range p.Members {
				if o := p.Observed[name]; o != nil && o.Running {
					acts = append(acts, Action{Kind: StopMember, Container: name, Reason: "the pod's sandbox is gone and restartPolicy is " + string(p.Policy)})
				}
			}
			return acts, waits
		}
		switch {
		case p.Sandbox != nil:
			acts = append(acts, Action{Kind: StartSandbox, Container: "sandbox", Reason: "the sandbox is not running"})
		case p.HaveSandboxSnapshot:
			acts = append(acts, Action{Kind: RecreateSandbox, Container: "sandbox", Reason: "the sandbox was removed"})
		default:
			waits = append(waits, Waiting{Container: "sandbox", Reason: "ContainerCreating"})
		}
		// Members are taken care of on the next sync, against the sandbox as it then is.
		return acts, waits
	}

	sb := p.Sandbox
	if acts, waits, blocked := planInits(p, now, backoff); blocked {
		return acts, waits
	}
	// Sidecars are kept as app containers under restartPolicy Always, until the app has completed.
	keep := p.Members
	if p.appDone() {
		for _, name := range p.Inits {
			if o := p.Observed[name]; p.Sidecars[name] && o != nil && o.Running {
				acts = append(acts, Action{Kind: StopMember, Container: name, Reason: "the app containers have completed: a sidecar stops after them"})
			}
		}
	} else {
		var sidecars []string
		for _, name := range p.Inits {
			if p.Sidecars[name] {
				sidecars = append(sidecars, name)
			}
		}
		keep = append(sidecars, p.Members...)
	}
	for _, name := range keep {
		policy := p.policyOf(name)
		o := p.Observed[name]
		switch {
		case o == nil:
			code, finished, exited := p.lastExit(name)
			switch {
			case !p.HaveSnapshot[name]:
				waits = append(waits, Waiting{Container: name, Reason: "ContainerCreating"})
			case !exited:
				// Removed while it ran (docker rm -f): made again at once, as a killed container.
				acts = append(acts, Action{Kind: RecreateMember, Container: name, Reason: "the container was removed", Restart: true})
			case !shouldRestart(policy, code):
				// Removed after it completed for good: its last status stands, it is not run again.
			default:
				if until, in := backoff.InBackOff(name, finished, now); in {
					waits = append(waits, Waiting{Container: name, Reason: "CrashLoopBackOff", Until: until})
					continue
				}
				backoff.Next(name, finished)
				acts = append(acts, Action{Kind: RecreateMember, Container: name, Reason: "it exited with code " + itoa(code) + " and was removed; restartPolicy is " + string(policy), Restart: true})
			}
		case o.JoinedID != sb.ID:
			if p.OtherSandbox != nil && p.OtherSandbox(o.JoinedID) {
				waits = append(waits, Waiting{Container: name, Reason: "ContainerCreating"})
				continue
			}
			if !o.Running && !shouldRestart(policy, o.ExitCode) && !o.Created {
				continue
			}
			acts = append(acts, Action{Kind: RecreateMember, Container: name, Reason: "it joined sandbox " + short(o.JoinedID) + ", which is gone; the pod's sandbox is " + short(sb.ID), Restart: true})
		case o.Running:
			if o.StartedAt.Before(sb.StartedAt) {
				acts = append(acts, Action{Kind: RestartMember, Container: name, Reason: "the sandbox restarted at " + sb.StartedAt.UTC().Format(time.RFC3339) + "; the container still ran in the old sandbox's namespaces", Restart: true})
			} else {
				backoff.Forget(name, o.StartedAt, now)
			}
		case o.Created:
			acts = append(acts, Action{Kind: StartMember, Container: name, Reason: "the container was created but not started"})
		default:
			unhealthy := p.LivenessFailed[name] && policy != Never
			if !shouldRestart(policy, o.ExitCode) && !unhealthy {
				continue // completed for good: terminated, as its status says
			}
			// It stopped with an older sandbox (a daemon restart, the sandbox's death), or could not
			// join the sandbox: start it again now, as the kubelet does for a new sandbox.
			if o.FinishedAt.Before(sb.StartedAt) || o.StartedAt.Before(sb.StartedAt) {
				acts = append(acts, Action{Kind: StartMember, Container: name, Reason: "the pod's sandbox started again", Restart: true})
				continue
			}
			if until, in := backoff.InBackOff(name, o.FinishedAt, now); in {
				waits = append(waits, Waiting{Container: name, Reason: "CrashLoopBackOff", Until: until})
				continue
			}
			backoff.Next(name, o.FinishedAt)
			why := "it exited with code " + itoa(o.ExitCode) + " and restartPolicy is " + string(policy)
			if unhealthy {
				why = "it failed its liveness probe and restartPolicy is " + string(policy)
			}
			acts = append(acts, Action{Kind: StartMember, Container: name, Reason: why, Restart: true})
		}
	}
	return acts, waits
}

// planInits walks the init containers in order; blocked means one has yet to complete in the current
// sandbox, so no member may start: the actions and waits then say which and why.
func planInits(p Pod, now time.Time, backoff *BackOff) (acts []Action, waits []Waiting, blocked bool) {
	if p.Initialized {
		return nil, nil, false
	}
	sb := p.Sandbox
	life := lifeOf(sb)
	for _, name := range p.Inits {
		o := p.Observed[name]
		sidecar := p.Sidecars[name]
		if sidecar {
			a, w, wait := planSidecar(p, name, now, backoff)
			if !wait {
				continue
			}
			acts, waits = append(acts, a...), append(waits, w...)
		}
		switch {
		case sidecar:
		case o == nil && p.History[name].CompletedIn(life):
			continue // completed in this sandbox, then removed: done
		case o == nil:
			if p.HaveSnapshot[name] {
				acts = append(acts, Action{Kind: RecreateInit, Container: name, Reason: "the init container was removed", Restart: true})
			} else {
				waits = append(waits, Waiting{Container: name, Reason: "PodInitializing"})
			}
		case o.JoinedID != sb.ID:
			if p.OtherSandbox != nil && p.OtherSandbox(o.JoinedID) {
				waits = append(waits, Waiting{Container: name, Reason: "PodInitializing"})
			} else {
				acts = append(acts, Action{Kind: RecreateInit, Container: name, Reason: "it ran in sandbox " + short(o.JoinedID) + ", which is gone: init containers run again in the new one", Restart: true})
			}
		case o.Running:
			waits = append(waits, Waiting{Container: name, Reason: "PodInitializing"})
		case o.Created:
			acts = append(acts, Action{Kind: StartInit, Container: name, Reason: "init containers run first, in order"})
		case o.StartedAt.Before(sb.StartedAt):
			acts = append(acts, Action{Kind: StartInit, Container: name, Reason: "the pod's sandbox started again: init containers run again", Restart: true})
		case o.ExitCode == 0:
			continue // completed in this sandbox: on to the next
		case p.Policy == Never:
			waits = append(waits, Waiting{Container: name, Reason: "Init:Error"})
		default:
			if until, in := backoff.InBackOff(name, o.FinishedAt, now); in {
				waits = append(waits, Waiting{Container: name, Reason: "Init:CrashLoopBackOff", Until: until})
				break
			}
			backoff.Next(name, o.FinishedAt)
			acts = append(acts, Action{Kind: StartInit, Container: name, Reason: "it exited with code " + itoa(o.ExitCode) + " and restartPolicy is " + string(p.Policy), Restart: true})
		}
		// Members still running from the sandbox's previous life are stopped while the pod initializes
		// again (the kubelet kills the pod's containers when its sandbox changes).
		for _, m := range p.Members {
			if mo := p.Observed[m]; mo != nil && mo.Running && mo.StartedAt.Before(sb.StartedAt) {
				acts = append(acts, Action{Kind: StopMember, Container: m, Reason: "the pod initializes again in its new sandbox"})
			}
		}
		return acts, waits, true
	}
	return nil, nil, false
}

// planSidecar is a sidecar's turn among the init containers: wait says the next one must wait for it
// (it does not run in the current sandbox yet, or its startup probe has not passed).
func planSidecar(p Pod, name string, now time.Time, backoff *BackOff) (acts []Action, waits []Waiting, wait bool) {
	sb, o := p.Sandbox, p.Observed[name]
	switch {
	case o == nil:
		if p.HaveSnapshot[name] {
			return []Action{{Kind: RecreateInit, Container: name, Reason: "the sidecar was removed", Restart: true}}, nil, true
		}
		return nil, []Waiting{{Container: name, Reason: "PodInitializing"}}, true
	case o.JoinedID != sb.ID:
		if p.OtherSandbox != nil && p.OtherSandbox(o.JoinedID) {
			return nil, []Waiting{{Container: name, Reason: "PodInitializing"}}, true
		}
		return []Action{{Kind: RecreateInit, Container: name, Reason: "it ran in sandbox " + short(o.JoinedID) + ", which is gone", Restart: true}}, nil, true
	case o.Running && o.StartedAt.Before(sb.StartedAt):
		return []Action{{Kind: RestartMember, Container: name, Reason: "the sandbox restarted at " + sb.StartedAt.UTC().Format(time.RFC3339) + "; the sidecar still ran in the old sandbox's namespaces", Restart: true}}, nil, true
	case o.Running:
		if p.Started != nil && !p.Started(name) {
			return nil, []Waiting{{Container: name, Reason: "PodInitializing"}}, true
		}
		backoff.Forget(name, o.StartedAt, now)
		return nil, nil, false
	case o.Created:
		return []Action{{Kind: StartInit, Container: name, Reason: "init containers start first, in order; a sidecar is not awaited"}}, nil, true
	case o.StartedAt.Before(sb.StartedAt):
		return []Action{{Kind: StartInit, Container: name, Reason: "the pod's sandbox started again", Restart: true}}, nil, true
	}
	if until, in := backoff.InBackOff(name, o.FinishedAt, now); in {
		return nil, []Waiting{{Container: name, Reason: "CrashLoopBackOff", Until: until}}, true
	}
	backoff.Next(name, o.FinishedAt)
	return []Action{{Kind: StartInit, Container: name, Reason: "the sidecar exited with code " + itoa(o.ExitCode) + "; a sidecar is always started again", Restart: true}}, nil, true
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
