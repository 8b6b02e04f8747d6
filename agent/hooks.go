package main

// Lifecycle hooks, as the kubelet runs them (kubernetes pkg/kubelet/lifecycle/handlers.go and
// pkg/kubelet/kuberuntime/kuberuntime_container.go, v1.34):
//   - postStart runs right after the container starts. Until it has completed the container has not
//     "started" and is not Ready; when it fails, the container is killed (its preStop runs) and the
//     pod's restartPolicy decides what follows, with the kubelet's reason FailedPostStartHook.
//   - preStop runs before the container is stopped, within the pod's terminationGracePeriodSeconds:
//     what is left of the grace period goes to the stop (SIGTERM, then SIGKILL), at least 2 seconds
//     (killContainer's minimumGracePeriodInSeconds).
//   - handlers: exec (in the container), httpGet (to the pod's IP, as the kubelet's go from the node)
//     and sleep (PodLifecycleSleepAction, on by default since 1.30: the kubelet waits).
// podlab's agent runs both for the runs it sees and the stops it makes (terminate.go), and so does
// `podlab-agent stop`, which `pulumi destroy` and a replacement of the pod run.

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"
)

// Handler is a lifecycle hook's action: exactly one of exec, httpGet and sleep.
type Handler struct {
	Probe
	Sleep *struct {
		Seconds int `json:"seconds"`
	} `json:"sleep,omitempty"`
}

// ContainerHooks are a container's lifecycle hooks.
type ContainerHooks struct {
	PostStart *Handler `json:"postStart,omitempty"`
	PreStop   *Handler `json:"preStop,omitempty"`
}

// minimumGrace is what the stop gets at least after a preStop hook (the kubelet's minimum).
const minimumGrace = 2 * time.Second

// postStartLimit bounds a postStart hook, which the kubelet does not bound: a hook that never ends
// would otherwise hold its container out of Ready for good without a word.
const postStartLimit = 10 * time.Minute

// Hooks runs a pod's lifecycle hooks.
type Hooks struct {
	mu    sync.Mutex
	specs map[string]ContainerHooks
	run   probeFunc
	// kill stops a container whose postStart hook failed (its preStop runs first); changed wakes the sync.
	kill    func(name, id string)
	changed func()
	// done holds the runs whose postStart hook completed; running those it runs for now; latest
	// each container's current run as the last sync saw it.
	done    map[string]incarnation
	running map[string]incarnation
	latest  map[string]incarnation
	// failed holds why a run's postStart hook failed.
	failed map[incarnation]string
}

// NewHooks keeps the hooks of the pod's containers; done are the runs whose postStart completed
// before (the agent's state, across its own restarts).
func NewHooks(specs map[string]ContainerHooks, run probeFunc, kill func(name, id string), changed func(), done map[string]incarnation) *Hooks {
	if done == nil {
		done = map[string]incarnation{}
	}
	return &Hooks{specs: specs, run: run, kill: kill, changed: changed, done: done, running: map[string]incarnation{}, latest: map[string]incarnation{}, failed: map[incarnation]string{}}
}

// runHandler carries out one handler within ctx.
func runHandler(ctx context.Context, run probeFunc, h *Handler, id, podIP string) error {
	if h.Sleep != nil {
		select {
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err := run(ctx, &h.Probe, id, podIP)
	return err
}

// Update starts the postStart hook of each container run that has not had it.
func (hk *Hooks) Update(ctx context.Context, running map[string]incarnation, podIP string) {
	hk.mu.Lock()
	defer hk.mu.Unlock()
	for name, spec := range hk.specs {
		inc, ok := running[name]
		if ok {
			hk.latest[name] = inc
		}
		if spec.PostStart == nil || !ok || hk.done[name] == inc || hk.running[name] == inc || hk.failed[inc] != "" {
			continue
		}
		hk.running[name] = inc
		go func() {
			hctx, cancel := context.WithTimeout(ctx, postStartLimit)
			defer cancel()
			err := runHandler(hctx, hk.run, spec.PostStart, inc.id, podIP)
			hk.mu.Lock()
			if hk.running[name] == inc {
				delete(hk.running, name)
			}
			// A run that ended meanwhile (the container restarted under the same ID) is not judged by it.
			current := hk.latest[name] == inc
			if err == nil && current {
				hk.done[name] = inc
			} else if err != nil {
				hk.failed[inc] = err.Error()
			}
			hk.mu.Unlock()
			if err != nil && current {
				log.Printf("container %s: PostStartHook failed: %v: killing it (FailedPostStartHook)", name, err)
				hk.kill(name, inc.id)
			} else {
				log.Printf("container %s: postStart hook completed", name)
			}
			hk.changed()
		}()
	}
}

// PostStarted says whether the run has completed its postStart hook (true without one).
func (hk *Hooks) PostStarted(name string, inc incarnation) bool {
	hk.mu.Lock()
	defer hk.mu.Unlock()
	return hk.specs[name].PostStart == nil || hk.done[name] == inc
}

// Failed is why the run's postStart hook failed, "" when it did not.
func (hk *Hooks) Failed(inc incarnation) string {
	hk.mu.Lock()
	defer hk.mu.Unlock()
	return hk.failed[inc]
}

// Done is the runs whose postStart completed, for the agent's state.
func (hk *Hooks) Done() map[string]incarnation {
	hk.mu.Lock()
	defer hk.mu.Unlock()
	out := map[string]incarnation{}
	for k, v := range hk.done {
		out[k] = v
	}
	return out
}

// PreStop runs the container's preStop hook, if it has one, within grace (the kubelet's
// executePreStopHook); a failed hook is logged and the stop goes on (FailedPreStopHook). It says
// whether the container has a hook.
func (hk *Hooks) PreStop(ctx context.Context, name, id, podIP string, grace time.Duration) bool {
	hk.mu.Lock()
	spec := hk.specs[name].PreStop
	hk.mu.Unlock()
	if spec == nil {
		return false
	}
	if grace <= 0 {
		return true
	}
	hctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	if err := runHandler(hctx, hk.run, spec, id, podIP); err != nil {
		log.Printf("container %s: PreStopHook failed: %v (FailedPreStopHook)", name, err)
	}
	return true
}

func (i incarnation) String() string {
	return fmt.Sprintf("%s@%s", short(i.id), i.started.UTC().Format(time.RFC3339Nano))
}
