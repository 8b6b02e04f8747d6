package main

import (
	"testing"
	"time"
)

// A pod with a sidecar "proxy" and a regular init container "setup", in that order.
func sidecarPod(policy RestartPolicy, sb *Observed, observed map[string]*Observed) Pod {
	p := pod(policy, sb, observed)
	p.Inits, p.Sidecars, p.Members = []string{"proxy", "setup"}, map[string]bool{"proxy": true}, []string{"app"}
	return p
}

func TestSidecarIsNotAwaited(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	proxy := &Observed{ID: "p", Running: true, JoinedID: "s1", StartedAt: t0.Add(time.Second)}
	setup := &Observed{ID: "i", Created: true, JoinedID: "s1"}
	acts, _ := Plan(sidecarPod(Never, sb, map[string]*Observed{"proxy": proxy, "setup": setup}), t0.Add(2*time.Second), NewBackOff())
	same(t, kinds(acts), "start-init setup")

	// Not yet started (created): the next init container waits for it.
	created := &Observed{ID: "p", Created: true, JoinedID: "s1"}
	acts, _ = Plan(sidecarPod(Never, sb, map[string]*Observed{"proxy": created, "setup": setup}), t0.Add(2*time.Second), NewBackOff())
	same(t, kinds(acts), "start-init proxy")

	// Running, but its startup probe has not passed.
	p := sidecarPod(Never, sb, map[string]*Observed{"proxy": proxy, "setup": setup})
	p.Started = func(name string) bool { return name != "proxy" }
	acts, waits := Plan(p, t0.Add(2*time.Second), NewBackOff())
	if len(acts) != 0 || len(waits) != 1 || waits[0].Container != "proxy" || waits[0].Reason != "PodInitializing" {
		t.Fatalf("acts %v, waits %v", kinds(acts), waits)
	}
}

func TestSidecarIsAlwaysRestartedWhateverThePodsPolicy(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	exited := &Observed{ID: "p", ExitCode: 0, JoinedID: "s1", StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(2 * time.Second)}
	app := &Observed{ID: "a", Running: true, JoinedID: "s1", StartedAt: t0.Add(3 * time.Second)}
	p := sidecarPod(Never, sb, map[string]*Observed{"proxy": exited, "app": app})
	p.Initialized = true
	acts, _ := Plan(p, t0.Add(4*time.Second), NewBackOff())
	same(t, kinds(acts), "start-member proxy")
	if !acts[0].Restart {
		t.Fatal("a sidecar's restart is counted")
	}
	// Before the pod is initialized, it is started again in its turn, the init containers after it waiting.
	p = sidecarPod(Never, sb, map[string]*Observed{"proxy": exited, "setup": {ID: "i", Created: true, JoinedID: "s1"}})
	acts, _ = Plan(p, t0.Add(4*time.Second), NewBackOff())
	same(t, kinds(acts), "start-init proxy")
}

func TestSidecarStopsOnceTheAppHasCompleted(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	proxy := &Observed{ID: "p", Running: true, JoinedID: "s1", StartedAt: t0.Add(time.Second)}
	done := &Observed{ID: "a", ExitCode: 0, JoinedID: "s1", StartedAt: t0.Add(2 * time.Second), FinishedAt: t0.Add(3 * time.Second)}
	p := sidecarPod(Never, sb, map[string]*Observed{"proxy": proxy, "app": done})
	p.Initialized = true
	acts, _ := Plan(p, t0.Add(4*time.Second), NewBackOff())
	same(t, kinds(acts), "stop-member proxy")
	// Stopped, it stays stopped.
	stopped := &Observed{ID: "p", ExitCode: 143, JoinedID: "s1", StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(5 * time.Second)}
	p.Observed["proxy"] = stopped
	acts, _ = Plan(p, t0.Add(6*time.Second), NewBackOff())
	same(t, kinds(acts))
	// Under OnFailure, an app that failed is restarted: the sidecar is kept.
	failed := &Observed{ID: "a", ExitCode: 1, JoinedID: "s1", StartedAt: t0.Add(2 * time.Second), FinishedAt: t0.Add(3 * time.Second)}
	p = sidecarPod(OnFailure, sb, map[string]*Observed{"proxy": stopped, "app": failed})
	p.Initialized = true
	acts, _ = Plan(p, t0.Add(6*time.Second), NewBackOff())
	same(t, kinds(acts), "start-member proxy", "start-member app")
}

// getPhase with a sidecar, as the kubelet's (pkg/kubelet/kubelet_pods.go).
func TestGetPhaseWithASidecar(t *testing.T) {
	sc := map[string]bool{"proxy": true}
	named := func(s ContainerStatus, started bool) ContainerStatus { s.Name, s.Started = "proxy", started; return s }
	cs := func(s ...ContainerStatus) []ContainerStatus { return s }
	for _, c := range []struct {
		name       string
		policy     RestartPolicy
		inits, app []ContainerStatus
		want       string
	}{
		{"sidecar running, not started yet: Pending", Never, cs(named(running(), false)), cs(creating()), PodPending},
		{"sidecar started, app running", Never, cs(named(running(), true)), cs(running()), PodRunning},
		{"app completed, sidecar still running: Running", Never, cs(named(running(), true)), cs(terminated(0)), PodRunning},
		{"app completed, sidecar stopped: Succeeded", Never, cs(named(terminated(143), true)), cs(terminated(0)), PodSucceeded},
		{"app failed, sidecar stopped: Failed", Never, cs(named(terminated(143), true)), cs(terminated(1)), PodFailed},
		{"sidecar crash-looping after the app started: Running", Always, cs(named(crashLooping(1), false)), cs(running()), PodRunning},
		{"sidecar never started, app not yet: Pending", Always, cs(named(creating(), false)), cs(creating()), PodPending},
	} {
		if got := getPhase(c.policy, c.inits, sc, c.app, false); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}
