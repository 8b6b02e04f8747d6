package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDocker records when each container got its preStop hook and its stop, and lets each stop
// take a given time (the container's own shutdown after SIGTERM).
type fakeDocker struct {
	mu     sync.Mutex
	events []string
	grace  map[string]time.Duration
	takes  map[string]time.Duration // how long a container takes to exit after SIGTERM
	hook   map[string]time.Duration // how long its preStop hook runs
}

func newFakeDocker() *fakeDocker {
	return &fakeDocker{grace: map[string]time.Duration{}, takes: map[string]time.Duration{}, hook: map[string]time.Duration{}}
}

func (f *fakeDocker) note(e string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

func (f *fakeDocker) killer() killer {
	return killer{
		preStop: func(ctx context.Context, name, id string, grace time.Duration) bool {
			d, ok := f.hook[name]
			if ok {
				f.note("prestop " + name)
				select {
				case <-time.After(d):
				case <-time.After(grace):
				}
			}
			return ok
		},
		stop: func(ctx context.Context, id string, grace time.Duration) error {
			f.mu.Lock()
			f.grace[id] = grace
			d := f.takes[id]
			f.mu.Unlock()
			f.note("term " + id)
			if d > grace {
				d = grace
			}
			time.Sleep(d)
			f.note("exit " + id)
			return nil
		},
	}
}

func (f *fakeDocker) order(prefix string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		if strings.HasPrefix(e, prefix) {
			out = append(out, strings.TrimPrefix(e, prefix))
		}
	}
	return strings.Join(out, " ")
}

// A pod with two sidecars, proxy then logship, and an app: the app stops first, then logship, then
// proxy, each only after the one before has exited (kuberuntime_termination_order.go).
func TestTerminationStopsTheAppThenSidecarsInReverseOrder(t *testing.T) {
	f := newFakeDocker()
	f.takes = map[string]time.Duration{"app": 150 * time.Millisecond, "logship": 100 * time.Millisecond, "proxy": 50 * time.Millisecond}
	f.hook = map[string]time.Duration{"proxy": 10 * time.Millisecond, "app": 10 * time.Millisecond}
	running := map[string]string{"app": "app", "proxy": "proxy", "logship": "logship"}
	done := terminate(context.Background(), f.killer(), []string{"proxy", "setup", "logship"}, map[string]bool{"proxy": true, "logship": true}, []string{"app"}, running, 30*time.Second)
	if len(done) != 3 {
		t.Fatalf("killed %v", done)
	}
	if got := f.order("term "); got != "app logship proxy" {
		t.Fatalf("SIGTERM order %q, events %v", got, f.events)
	}
	if got := f.order("exit "); got != "app logship proxy" {
		t.Fatalf("exit order %q", got)
	}
	// Every preStop hook runs at once, before any wait: the sidecar's hook does not wait for the app.
	if got := f.events[0] + " " + f.events[1]; !strings.Contains(got, "prestop proxy") || !strings.Contains(got, "prestop app") {
		t.Fatalf("hooks not first: %v", f.events)
	}
	// Each wait and hook is deducted from the pod's grace.
	if g := f.grace["proxy"]; g >= 30*time.Second || g < 29*time.Second {
		t.Fatalf("proxy's stop got %s", g)
	}
}

// A sidecar's wait ends with its grace: then it is stopped with the kubelet's minimum.
func TestTerminationWaitEndsWithTheGrace(t *testing.T) {
	f := newFakeDocker()
	f.takes = map[string]time.Duration{"app": 10 * time.Second}
	t1 := time.Now()
	terminate(context.Background(), f.killer(), []string{"proxy"}, map[string]bool{"proxy": true}, []string{"app"},
		map[string]string{"app": "app", "proxy": "proxy"}, 2500*time.Millisecond)
	// The app got 2.5 s and took them all; the proxy waited as long and got the minimum.
	if got := f.order("term "); got != "app proxy" {
		t.Fatalf("order %q", got)
	}
	if f.grace["proxy"] != minimumGrace {
		t.Fatalf("proxy's stop got %s", f.grace["proxy"])
	}
	if took := time.Since(t1); took > 3500*time.Millisecond {
		t.Fatalf("took %s", took)
	}
}

// A container that does not run is not waited for; a pod of sidecars alone stops in reverse order.
func TestTerminationSkipsWhatDoesNotRun(t *testing.T) {
	f := newFakeDocker()
	f.takes = map[string]time.Duration{"b": 50 * time.Millisecond}
	terminate(context.Background(), f.killer(), []string{"a", "b", "c"}, map[string]bool{"a": true, "b": true, "c": true}, []string{"app"},
		map[string]string{"a": "a", "b": "b"}, 5*time.Second)
	if got := f.order("term "); got != "b a" {
		t.Fatalf("order %q", got)
	}
}
