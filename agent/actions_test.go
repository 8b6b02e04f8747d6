package main

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func pod(policy RestartPolicy, sandbox *Observed, members map[string]*Observed) Pod {
	p := Pod{Policy: policy, Sandbox: sandbox, HaveSandboxSnapshot: true, Members: []string{"app", "sidecar"}, Observed: members,
		HaveSnapshot: map[string]bool{}}
	for name := range members {
		p.HaveSnapshot[name] = true
	}
	return p
}

func kinds(acts []Action) []string {
	var out []string
	for _, a := range acts {
		out = append(out, string(a.Kind)+" "+a.Container)
	}
	return out
}

func same(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestSandboxRestartedRestartsRunningMembers(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0.Add(time.Minute)}
	app := &Observed{ID: "a", Running: true, JoinedID: "s1", StartedAt: t0}
	side := &Observed{ID: "b", Running: true, JoinedID: "s1", StartedAt: t0.Add(2 * time.Minute)}
	acts, _ := Plan(pod(Always, sb, map[string]*Observed{"app": app, "sidecar": side}), t0.Add(3*time.Minute), NewBackOff())
	same(t, kinds(acts), "restart-member app")
}

func TestSandboxDownIsStartedFirst(t *testing.T) {
	sb := &Observed{ID: "s1", ExitCode: 137, StartedAt: t0}
	app := &Observed{ID: "a", Running: true, JoinedID: "s1", StartedAt: t0}
	acts, _ := Plan(pod(Always, sb, map[string]*Observed{"app": app}), t0, NewBackOff())
	same(t, kinds(acts), "start-sandbox sandbox")
	acts, _ = Plan(pod(Always, nil, map[string]*Observed{"app": app}), t0, NewBackOff())
	same(t, kinds(acts), "recreate-sandbox sandbox")
}

func TestMembersOfARemovedSandboxAreMadeAgain(t *testing.T) {
	sb := &Observed{ID: "s2", Running: true, StartedAt: t0}
	app := &Observed{ID: "a", Running: true, JoinedID: "s1", StartedAt: t0.Add(-time.Minute)}
	acts, _ := Plan(pod(Always, sb, map[string]*Observed{"app": app}), t0, NewBackOff())
	same(t, kinds(acts), "recreate-member app")
}

func TestNeverGivesADeadPodNoNewSandbox(t *testing.T) {
	sb := &Observed{ID: "s1", ExitCode: 137, StartedAt: t0}
	app := &Observed{ID: "a", Running: true, JoinedID: "s1", StartedAt: t0}
	acts, _ := Plan(pod(Never, sb, map[string]*Observed{"app": app}), t0, NewBackOff())
	same(t, kinds(acts), "stop-member app")
}

func TestRestartPolicyOnExit(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	exited := func(code int) *Observed {
		return &Observed{ID: "a", JoinedID: "s1", ExitCode: code, StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(2 * time.Second)}
	}
	now := t0.Add(time.Minute)
	for _, c := range []struct {
		policy RestartPolicy
		code   int
		want   []string
	}{
		{Always, 0, []string{"start-member app"}},
		{Always, 1, []string{"start-member app"}},
		{OnFailure, 0, nil},
		{OnFailure, 1, []string{"start-member app"}},
		{Never, 1, nil},
	} {
		acts, _ := Plan(pod(c.policy, sb, map[string]*Observed{"app": exited(c.code)}), now, NewBackOff())
		same(t, kinds(acts), c.want...)
	}
}

func TestCrashLoopBackOffDoublesTo5Minutes(t *testing.T) {
	b := NewBackOff()
	finished := t0
	var delays []time.Duration
	for i := 0; i < 8; i++ {
		if _, in := b.InBackOff("app", finished, finished); in && i == 0 {
			t.Fatal("the first crash must restart at once")
		}
		b.Next("app", finished)
		delays = append(delays, b.Entries["app"].Delay)
		finished = finished.Add(b.Entries["app"].Delay + time.Second)
	}
	want := []time.Duration{10, 20, 40, 80, 160, 300, 300, 300}
	for i := range want {
		if delays[i] != want[i]*time.Second {
			t.Fatalf("delays %v, want %v seconds", delays, want)
		}
	}
	// Waiting: a crash 5 s after the last restart waits until the delay has passed since it.
	until, in := b.InBackOff("app", finished, finished.Add(5*time.Second))
	if !in || !until.Equal(finished.Add(300*time.Second)) {
		t.Fatalf("in back-off %v until %v", in, until)
	}
	// Ten minutes later the entry is forgotten: a crash then restarts at once.
	if _, in := b.InBackOff("app", finished.Add(11*time.Minute), finished.Add(11*time.Minute)); in {
		t.Fatal("an entry older than 10 minutes must be forgotten")
	}
}

// withInits is pod() with init containers "setup" and "migrate", in that order.
func withInits(policy RestartPolicy, sandbox *Observed, all map[string]*Observed) Pod {
	p := pod(policy, sandbox, all)
	p.Inits = []string{"setup", "migrate"}
	return p
}

func TestInitContainersRunOneAfterAnotherBeforeMembers(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	setup := &Observed{ID: "i1", Created: true, JoinedID: "s1"}
	migrate := &Observed{ID: "i2", Created: true, JoinedID: "s1"}
	app := &Observed{ID: "a", Created: true, JoinedID: "s1"}
	all := map[string]*Observed{"setup": setup, "migrate": migrate, "app": app}
	acts, _ := Plan(withInits(Always, sb, all), t0, NewBackOff())
	same(t, kinds(acts), "start-init setup")
	setup.Created, setup.Running, setup.StartedAt = false, true, t0.Add(time.Second)
	acts, waits := Plan(withInits(Always, sb, all), t0.Add(time.Second), NewBackOff())
	same(t, kinds(acts))
	if len(waits) != 1 || waits[0].Container != "setup" || waits[0].Reason != "PodInitializing" {
		t.Fatalf("waits %v", waits)
	}
	setup.Running, setup.FinishedAt = false, t0.Add(2*time.Second)
	acts, _ = Plan(withInits(Always, sb, all), t0.Add(2*time.Second), NewBackOff())
	same(t, kinds(acts), "start-init migrate")
	migrate.Created, migrate.StartedAt, migrate.FinishedAt = false, t0.Add(3*time.Second), t0.Add(4*time.Second)
	acts, _ = Plan(withInits(Always, sb, all), t0.Add(4*time.Second), NewBackOff())
	same(t, kinds(acts), "start-member app")
}

func TestAFailingInitContainerBlocksMembers(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	setup := &Observed{ID: "i1", JoinedID: "s1", ExitCode: 1, StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(2 * time.Second)}
	migrate := &Observed{ID: "i2", Created: true, JoinedID: "s1"}
	app := &Observed{ID: "a", Created: true, JoinedID: "s1"}
	all := map[string]*Observed{"setup": setup, "migrate": migrate, "app": app}
	// Never: the pod fails; nothing else starts.
	acts, waits := Plan(withInits(Never, sb, all), t0.Add(3*time.Second), NewBackOff())
	same(t, kinds(acts))
	if len(waits) != 1 || waits[0].Reason != "Init:Error" {
		t.Fatalf("waits %v", waits)
	}
	// Always: restarted with the kubelet's back-off, and nothing after it starts meanwhile.
	b := NewBackOff()
	acts, _ = Plan(withInits(Always, sb, all), t0.Add(3*time.Second), b)
	same(t, kinds(acts), "start-init setup")
	setup.StartedAt, setup.FinishedAt = t0.Add(4*time.Second), t0.Add(5*time.Second)
	acts, waits = Plan(withInits(Always, sb, all), t0.Add(6*time.Second), b)
	same(t, kinds(acts))
	if len(waits) != 1 || waits[0].Reason != "Init:CrashLoopBackOff" {
		t.Fatalf("waits %v", waits)
	}
}

func TestInitContainersRunAgainWhenTheSandboxRestarts(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0.Add(time.Minute)}
	setup := &Observed{ID: "i1", JoinedID: "s1", StartedAt: t0, FinishedAt: t0.Add(time.Second)}
	migrate := &Observed{ID: "i2", JoinedID: "s1", StartedAt: t0.Add(2 * time.Second), FinishedAt: t0.Add(3 * time.Second)}
	app := &Observed{ID: "a", Running: true, JoinedID: "s1", StartedAt: t0.Add(4 * time.Second)}
	all := map[string]*Observed{"setup": setup, "migrate": migrate, "app": app}
	acts, _ := Plan(withInits(Always, sb, all), t0.Add(2*time.Minute), NewBackOff())
	same(t, kinds(acts), "start-init setup", "stop-member app")
	// A new sandbox (the old one removed): the init container is made again inside it.
	sb2 := &Observed{ID: "s2", Running: true, StartedAt: t0.Add(time.Minute)}
	acts, _ = Plan(withInits(Always, sb2, all), t0.Add(2*time.Minute), NewBackOff())
	same(t, kinds(acts), "recreate-init setup", "stop-member app")
}
