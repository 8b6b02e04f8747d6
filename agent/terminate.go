package main

// Stopping a pod's containers, as the kubelet stops them (kubernetes pkg/kubelet/kuberuntime,
// v1.34: killContainer in kuberuntime_container.go, terminationOrdering in
// kuberuntime_termination_order.go):
//   - every running container is killed at once, each with the pod's terminationGracePeriodSeconds;
//   - a container's preStop hook runs first, within that grace, and what it took is deducted;
//   - a sidecar (an init container with restartPolicy Always) then waits for its turn: every app
//     container has exited, and every sidecar after it in spec order, so sidecars stop in reverse
//     order after the app; the wait is deducted too, and a grace that runs out ends it;
//   - the stop (SIGTERM, then SIGKILL) gets what is left, at least minimumGrace.
// The agent stops containers this way at run time (a sidecar after the app completed, a pod that is
// not restarted) and `podlab-agent stop` does it for `pulumi destroy` and a replacement.

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// termination is the order in which a pod's running containers may begin to stop.
type termination struct {
	mu sync.Mutex
	// terminated is closed once the named container has stopped (or was not running).
	terminated map[string]chan struct{}
	// prereqs are what the named container waits on before its stop.
	prereqs map[string][]chan struct{}
}

// newTermination orders the stop of the containers in running (by name): app containers (members)
// at once; each sidecar after every app container and after the sidecar that follows it in inits.
func newTermination(inits []string, sidecars map[string]bool, members []string, running map[string]bool) *termination {
	t := &termination{terminated: map[string]chan struct{}{}, prereqs: map[string][]chan struct{}{}}
	channel := func(name string) chan struct{} {
		ch := make(chan struct{})
		if !running[name] {
			close(ch) // nothing waits for a container that does not run
		}
		t.terminated[name] = ch
		return ch
	}
	var apps []chan struct{}
	for _, name := range members {
		apps = append(apps, channel(name))
	}
	later := ""
	for i := len(inits) - 1; i >= 0; i-- {
		name := inits[i]
		channel(name)
		if !sidecars[name] {
			continue
		}
		t.prereqs[name] = append(t.prereqs[name], apps...)
		if later != "" {
			t.prereqs[name] = append(t.prereqs[name], t.terminated[later])
		}
		later = name
	}
	return t
}

// waitForTurn waits until the container may stop, at most limit; it returns how long it waited.
func (t *termination) waitForTurn(name string, limit time.Duration) time.Duration {
	if t == nil || limit <= 0 {
		return 0
	}
	start := time.Now()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for _, ch := range t.prereqs[name] {
		select {
		case <-ch:
		case <-timer.C:
			return time.Since(start)
		}
	}
	return time.Since(start)
}

// stopped says the container has stopped: those waiting on it may go.
func (t *termination) stopped(name string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ch, ok := t.terminated[name]; ok {
		select {
		case <-ch: // closed already: it did not run
		default:
			close(ch)
		}
	}
}

// killer stops one container: preStop runs its hook within the grace it is given and says whether
// it has one; stop sends SIGTERM, then SIGKILL after grace (Docker's stop).
type killer struct {
	preStop func(ctx context.Context, name, id string, grace time.Duration) bool
	stop    func(ctx context.Context, id string, grace time.Duration) error
}

// Killed is what a kill did, for the log and for `podlab-agent stop`'s output.
type Killed struct {
	Name string
	// Hook and Waited are what the preStop hook and the wait for its turn took; Grace is what the
	// stop was given; Took is the whole kill.
	Hook, Waited, Grace, Took time.Duration
	Err                       error
}

func (k Killed) String() string {
	s := fmt.Sprintf("%s: stopped in %s (preStop %s, waited %s for its turn, SIGTERM with %s before SIGKILL)",
		k.Name, k.Took.Round(10*time.Millisecond), k.Hook.Round(10*time.Millisecond), k.Waited.Round(10*time.Millisecond), k.Grace.Round(time.Second))
	if k.Err != nil {
		s += ": " + k.Err.Error()
	}
	return s
}

// kill is the kubelet's killContainer: the preStop hook within grace, the wait for the container's
// turn within what is left (ord nil: no order), then the stop with what is left, at least minimumGrace.
func (k killer) kill(ctx context.Context, name, id string, grace time.Duration, ord *termination) Killed {
	t0 := time.Now()
	out := Killed{Name: name}
	left := grace
	if left > 0 && k.preStop(ctx, name, id, left) {
		out.Hook = time.Since(t0)
		left -= out.Hook
	}
	if left > 0 {
		out.Waited = ord.waitForTurn(name, left)
		left -= out.Waited
	}
	if left < minimumGrace {
		left = minimumGrace
	}
	out.Grace = left
	out.Err = k.stop(ctx, id, left)
	out.Took = time.Since(t0)
	if out.Err == nil {
		ord.stopped(name)
	}
	return out
}

// terminate kills the running containers (name to ID) of a pod at once, in the kubelet's order,
// each with grace; it returns what each kill did, in the order they ended.
func terminate(ctx context.Context, k killer, inits []string, sidecars map[string]bool, members []string, running map[string]string, grace time.Duration) []Killed {
	names := map[string]bool{}
	for name := range running {
		names[name] = true
	}
	ord := newTermination(inits, sidecars, members, names)
	var mu sync.Mutex
	var out []Killed
	var wg sync.WaitGroup
	for name, id := range running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := k.kill(ctx, name, id, grace, ord)
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}
