package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestPostStartRunsOncePerRunAndKillsOnFailure(t *testing.T) {
	var mu sync.Mutex
	var ran []string
	var killed []string
	fail := false
	run := func(ctx context.Context, p *Probe, id, podIP string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, id)
		if fail {
			return "", errors.New("exit code 1")
		}
		return "", nil
	}
	changed := make(chan struct{}, 10)
	hk := NewHooks(map[string]ContainerHooks{"app": {PostStart: &Handler{Probe: Probe{Exec: &struct {
		Command []string `json:"command"`
	}{Command: []string{"true"}}}}}}, run, func(name, id string) { mu.Lock(); killed = append(killed, name+" "+id); mu.Unlock() }, func() { changed <- struct{}{} }, nil)
	inc := incarnation{"c1", t0}
	if hk.PostStarted("app", inc) {
		t.Fatal("started before its hook ran")
	}
	hk.Update(context.Background(), map[string]incarnation{"app": inc}, "10.0.0.2")
	<-changed
	hk.Update(context.Background(), map[string]incarnation{"app": inc}, "10.0.0.2")
	if !hk.PostStarted("app", inc) || len(ran) != 1 {
		t.Fatalf("done %v, ran %v", hk.PostStarted("app", inc), ran)
	}
	// A new run gets it again; a failure kills the run.
	fail = true
	inc2 := incarnation{"c1", t0.Add(time.Minute)}
	hk.Update(context.Background(), map[string]incarnation{"app": inc2}, "10.0.0.2")
	<-changed
	if hk.PostStarted("app", inc2) || hk.Failed(inc2) != "exit code 1" || len(killed) != 1 || killed[0] != "app c1" {
		t.Fatalf("failed %q, killed %v", hk.Failed(inc2), killed)
	}
	// Without a hook, a container has started at once.
	if !hk.PostStarted("other", inc) {
		t.Fatal("a container without postStart waits")
	}
}

func TestPreStopGetsTheGraceAndLeavesTheRestToTheStop(t *testing.T) {
	hk := NewHooks(map[string]ContainerHooks{"app": {PreStop: &Handler{Sleep: &struct {
		Seconds int `json:"seconds"`
	}{Seconds: 1}}}}, nil, nil, func() {}, nil)
	var gave time.Duration
	k := killer{
		preStop: func(ctx context.Context, name, id string, grace time.Duration) bool {
			return hk.PreStop(ctx, name, id, "", grace)
		},
		stop: func(ctx context.Context, id string, grace time.Duration) error { gave = grace; return nil },
	}
	t1 := time.Now()
	k.kill(context.Background(), "app", "c1", 5*time.Second, nil)
	if took := time.Since(t1); took < time.Second || took > 2*time.Second {
		t.Fatalf("the sleep took %s", took)
	}
	if gave < 3*time.Second || gave > 4*time.Second {
		t.Fatalf("the stop got %s", gave)
	}
	// A hook longer than the grace is cut off; the stop still gets the kubelet's minimum.
	if k.kill(context.Background(), "app", "c1", 500*time.Millisecond, nil); gave != minimumGrace {
		t.Fatalf("the stop got %s", gave)
	}
	if k.kill(context.Background(), "other", "c2", 5*time.Second, nil); gave != 5*time.Second {
		t.Fatalf("no hook: the stop got %s", gave)
	}
	// No grace: no hook, and the minimum.
	t1 = time.Now()
	if k.kill(context.Background(), "app", "c1", 0, nil); gave != minimumGrace || time.Since(t1) > 100*time.Millisecond {
		t.Fatalf("grace 0: the stop got %s after %s", gave, time.Since(t1))
	}
}
