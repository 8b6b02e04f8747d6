package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeProbe passes or fails as told, and counts its calls.
type fakeProbe struct {
	pass  atomic.Bool
	calls atomic.Int32
}

func (f *fakeProbe) run(ctx context.Context, p *Probe, id, ip string) (string, error) {
	f.calls.Add(1)
	if f.pass.Load() {
		return "", nil
	}
	return "", errors.New("refused")
}

func fastProbe(success, failure int) *Probe {
	return &Probe{PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: success, FailureThreshold: failure}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 80; i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not happen", what)
}

func TestReadinessFollowsThresholds(t *testing.T) {
	f := &fakeProbe{}
	pr := NewProber(map[string]ContainerProbes{"app": {Readiness: fastProbe(1, 2)}}, f.run, func(string, string) {}, func() {})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if pr.Ready("app") {
		t.Fatal("ready before any probe")
	}
	if !pr.Ready("sidecar") {
		t.Fatal("a container without a readiness probe is ready")
	}
	pr.Update(ctx, map[string]incarnation{"app": {"a1", time.Now()}}, "10.0.0.2")
	f.pass.Store(true)
	eventually(t, "ready after a pass", func() bool { return pr.Ready("app") })
	f.pass.Store(false)
	eventually(t, "not ready after two failures", func() bool { return !pr.Ready("app") })
	if f.calls.Load() < 3 {
		t.Fatalf("%d probes", f.calls.Load())
	}
}

func TestLivenessFailureStopsTheContainerOnce(t *testing.T) {
	f := &fakeProbe{}
	var mu sync.Mutex
	var stopped []string
	pr := NewProber(map[string]ContainerProbes{"app": {Liveness: fastProbe(1, 2)}}, f.run, func(_, id string) {
		mu.Lock()
		stopped = append(stopped, id)
		mu.Unlock()
	}, func() {})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now()
	pr.Update(ctx, map[string]incarnation{"app": {"a1", started}}, "10.0.0.2")
	eventually(t, "the container stopped", func() bool { mu.Lock(); defer mu.Unlock(); return len(stopped) == 1 })
	if !pr.FailedLiveness("a1", started) || pr.FailedLiveness("a1", started.Add(time.Second)) {
		t.Fatal("the failed run is recorded, and only that run")
	}
	// A new run of the container gets new workers, with a clean slate.
	f.pass.Store(true)
	pr.Update(ctx, map[string]incarnation{"app": {"a1", started.Add(time.Minute)}}, "10.0.0.2")
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(stopped) != 1 {
		t.Fatalf("stopped %v", stopped)
	}
}

func TestALivenessFailureRestartsUnlessNever(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	app := &Observed{ID: "a", JoinedID: "s1", ExitCode: 0, StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(time.Minute)}
	p := pod(OnFailure, sb, map[string]*Observed{"app": app})
	p.LivenessFailed = map[string]bool{"app": true}
	acts, _ := Plan(p, t0.Add(2*time.Minute), NewBackOff())
	same(t, kinds(acts), "start-member app")
	p.Policy = Never
	acts, _ = Plan(p, t0.Add(2*time.Minute), NewBackOff())
	same(t, kinds(acts))
}

// kindProbe passes or fails per probe (by the spec it is given), counting each one's calls.
type kindProbe struct {
	mu    sync.Mutex
	pass  map[*Probe]bool
	calls map[*Probe]int
}

func (k *kindProbe) run(ctx context.Context, p *Probe, id, ip string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls[p]++
	if k.pass[p] {
		return "", nil
	}
	return "", errors.New("refused")
}

func (k *kindProbe) set(p *Probe, pass bool) { k.mu.Lock(); k.pass[p] = pass; k.mu.Unlock() }
func (k *kindProbe) count(p *Probe) int      { k.mu.Lock(); defer k.mu.Unlock(); return k.calls[p] }

func TestStartupProbeHoldsLivenessAndReadinessUntilItPasses(t *testing.T) {
	startup, liveness, readiness := fastProbe(1, 30), fastProbe(1, 1), fastProbe(1, 1)
	k := &kindProbe{pass: map[*Probe]bool{}, calls: map[*Probe]int{}}
	var stops atomic.Int32
	pr := NewProber(map[string]ContainerProbes{"app": {Startup: startup, Liveness: liveness, Readiness: readiness}}, k.run, func(string, string) { stops.Add(1) }, func() {})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr.Update(ctx, map[string]incarnation{"app": {"a1", time.Now()}}, "10.0.0.2")
	// The kubelet's worker.go: no liveness or readiness probe runs before the container has started;
	// a liveness probe that would fail at once does not kill it.
	time.Sleep(1500 * time.Millisecond)
	if k.count(startup) < 2 || k.count(liveness) != 0 || k.count(readiness) != 0 || stops.Load() != 0 {
		t.Fatalf("before start: startup %d, liveness %d, readiness %d probes, %d stops", k.count(startup), k.count(liveness), k.count(readiness), stops.Load())
	}
	if pr.Started("app") || pr.Ready("app") {
		t.Fatal("started or ready before the startup probe passed")
	}
	k.set(startup, true)
	k.set(liveness, true)
	k.set(readiness, true)
	eventually(t, "started and ready", func() bool { return pr.Started("app") && pr.Ready("app") })
	calls := k.count(startup)
	eventually(t, "liveness probed", func() bool { return k.count(liveness) > 0 })
	time.Sleep(1200 * time.Millisecond)
	if k.count(startup) != calls || stops.Load() != 0 {
		t.Fatalf("the startup probe ran on after it passed (%d, then %d calls), or the container was stopped", calls, k.count(startup))
	}
}

func TestStartupProbeFailureStopsTheContainer(t *testing.T) {
	startup := fastProbe(1, 2)
	k := &kindProbe{pass: map[*Probe]bool{}, calls: map[*Probe]int{}}
	var stopped atomic.Value
	pr := NewProber(map[string]ContainerProbes{"app": {Startup: startup}}, k.run, func(_, id string) { stopped.Store(id) }, func() {})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now()
	pr.Update(ctx, map[string]incarnation{"app": {"a1", started}}, "10.0.0.2")
	eventually(t, "the container stopped", func() bool { return stopped.Load() == "a1" })
	if !pr.FailedLiveness("a1", started) || pr.Started("app") || pr.Ready("app") {
		t.Fatal("a run stopped by its startup probe counts as failed, never started")
	}
}
