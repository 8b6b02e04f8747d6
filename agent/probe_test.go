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
	pr := NewProber(map[string]ContainerProbes{"app": {Readiness: fastProbe(1, 2)}}, f.run, func(string) {}, func() {})
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
	pr := NewProber(map[string]ContainerProbes{"app": {Liveness: fastProbe(1, 2)}}, f.run, func(id string) {
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
