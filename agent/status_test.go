package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func running() ContainerStatus {
	return ContainerStatus{State: ContainerState{Running: &ContainerStateRunning{}}}
}
func terminated(code int) ContainerStatus {
	return ContainerStatus{State: ContainerState{Terminated: &Terminated{ExitCode: code}}}
}
func crashLooping(code int) ContainerStatus {
	return ContainerStatus{State: waitingState("CrashLoopBackOff"), LastState: ContainerState{Terminated: &Terminated{ExitCode: code}}}
}
func creating() ContainerStatus { return ContainerStatus{State: waitingState("ContainerCreating")} }

// The kubelet's getPhase, case by case (pkg/kubelet/kubelet_pods.go).
func TestGetPhaseAsTheKubelet(t *testing.T) {
	cs := func(s ...ContainerStatus) []ContainerStatus { return s }
	for _, c := range []struct {
		name       string
		policy     RestartPolicy
		inits, app []ContainerStatus
		terminal   bool
		want       string
	}{
		{"all completed under Always is Running, never Succeeded", Always, nil, cs(terminated(0)), false, PodRunning},
		{"crash-looping under Always is Running", Always, nil, cs(crashLooping(0)), false, PodRunning},
		{"all completed under OnFailure", OnFailure, nil, cs(terminated(0), terminated(0)), false, PodSucceeded},
		{"a failure under OnFailure restarts: Running", OnFailure, nil, cs(terminated(0), terminated(1)), false, PodRunning},
		{"a failure under Never", Never, nil, cs(terminated(0), terminated(1)), false, PodFailed},
		{"one still running", Never, nil, cs(running(), terminated(1)), false, PodRunning},
		{"one not created yet", Always, nil, cs(running(), creating()), false, PodPending},
		{"init running", Always, cs(running()), cs(creating()), false, PodPending},
		{"init running again in a new sandbox, the app ran before", OnFailure, cs(running()), cs(terminated(0)), false, PodPending},
		{"init failed under Never", Never, cs(terminated(2)), cs(creating()), false, PodFailed},
		{"init crash-looping under Always", Always, cs(crashLooping(2)), cs(creating()), false, PodPending},
		{"terminal stays: all completed", Always, nil, cs(terminated(0)), true, PodSucceeded},
		{"terminal stays: a failure", Always, nil, cs(terminated(0), terminated(3)), true, PodFailed},
	} {
		if got := getPhase(c.policy, c.inits, nil, c.app, c.terminal); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestHistoryKeepsLastStateAndOOMKilled(t *testing.T) {
	h := &History{}
	run1 := &Observed{ID: "c1", Running: true, StartedAt: t0}
	h.Saw(run1, "L")
	if h.Ended != nil || h.RunLife != "L" {
		t.Fatalf("running: %+v", h)
	}
	h.Saw(&Observed{ID: "c1", ExitCode: 137, OOMKilled: true, StartedAt: t0, FinishedAt: t0.Add(time.Second)}, "L")
	if h.Ended == nil || h.Ended.Reason != "OOMKilled" || h.Ended.ExitCode != 137 {
		t.Fatalf("ended: %+v", h.Ended)
	}
	// The next run: the OOM kill becomes lastState.
	h.Saw(&Observed{ID: "c1", Running: true, StartedAt: t0.Add(2 * time.Second)}, "L")
	if h.Ended != nil || h.Before == nil || h.Before.Reason != "OOMKilled" {
		t.Fatalf("next run: %+v", h)
	}
	if !(&History{RunLife: "L", Ended: &Terminated{}}).CompletedIn("L") || (&History{RunLife: "L", Ended: &Terminated{ExitCode: 1}}).CompletedIn("L") {
		t.Fatal("CompletedIn")
	}
}

func TestACompletedInitContainerRemovedIsNotRunAgain(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	app := &Observed{ID: "a", Running: true, JoinedID: "s1", StartedAt: t0.Add(3 * time.Second)}
	p := withInits(Always, sb, map[string]*Observed{"app": app})
	p.HaveSnapshot["setup"], p.HaveSnapshot["migrate"] = true, true
	// Without the history the removed init containers would be made again, over the running app.
	acts, _ := Plan(p, t0.Add(time.Minute), NewBackOff())
	same(t, kinds(acts), "recreate-init setup")
	p.Initialized = true
	acts, _ = Plan(p, t0.Add(time.Minute), NewBackOff())
	same(t, kinds(acts))
	// Not initialized, but each completed in this sandbox life before it was removed.
	p.Initialized = false
	life := lifeOf(sb)
	p.History = map[string]*History{"setup": {RunLife: life, Ended: &Terminated{}}, "migrate": {RunLife: life, Ended: &Terminated{}}}
	acts, _ = Plan(p, t0.Add(time.Minute), NewBackOff())
	same(t, kinds(acts))
}

func TestARemovedMemberIsJudgedByItsLastStatus(t *testing.T) {
	sb := &Observed{ID: "s1", Running: true, StartedAt: t0}
	for _, c := range []struct {
		policy RestartPolicy
		code   int
		want   []string
	}{
		{Never, 0, nil},
		{Never, 1, nil},
		{OnFailure, 0, nil},
		{OnFailure, 1, []string{"recreate-member app"}},
		{Always, 0, []string{"recreate-member app"}},
	} {
		p := pod(c.policy, sb, map[string]*Observed{})
		p.HaveSnapshot["app"] = true
		p.Members = []string{"app"}
		p.History = map[string]*History{"app": {RunID: "a", Ended: &Terminated{ExitCode: c.code, FinishedAt: t0.Add(time.Second)}}}
		acts, _ := Plan(p, t0.Add(time.Minute), NewBackOff())
		same(t, kinds(acts), c.want...)
	}
	// A terminal pod runs nothing again, whatever is missing.
	p := pod(Always, nil, map[string]*Observed{})
	p.Terminal = true
	acts, _ := Plan(p, t0, NewBackOff())
	same(t, kinds(acts))
}

// Redirects as the kubelet's prober follows them: same host only; one elsewhere is a pass with a warning.
func TestHTTPProbeRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/elsewhere":
			http.Redirect(w, r, "http://localhost:1/", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			if r.Header.Get("User-Agent") != probeUserAgent {
				w.WriteHeader(http.StatusTeapot)
			}
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	ctx := t.Context()
	if w, err := doHTTPProbe(ctx, srv.URL+"/elsewhere", nil); err != nil || !strings.HasPrefix(w, "Probe terminated redirects") {
		t.Fatalf("elsewhere: %q %v", w, err)
	}
	if w, err := doHTTPProbe(ctx, srv.URL+"/here", nil); err != nil || w != "" {
		t.Fatalf("same host: %q %v", w, err)
	}
	if _, err := doHTTPProbe(ctx, srv.URL+"/down", nil); err == nil || err.Error() != "HTTP probe failed with statuscode: 503" {
		t.Fatalf("down: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPodCgroupLimitsRestored(t *testing.T) {
	// cgroup v1, cgroupfs driver: the pod's cgroup came back without its limits.
	root := t.TempDir()
	limits := filepath.Join(t.TempDir(), "pod-limits")
	writeFile(t, limits, "memory=671088640\ncpu_quota_us=\n")
	writeFile(t, filepath.Join(root, "memory/pod-foo/memory.limit_in_bytes"), "9223372036854771712\n")
	writeFile(t, filepath.Join(root, "cpu/pod-foo/cpu.cfs_quota_us"), "-1\n")
	c := PodCgroup{Root: root, Parent: "/pod-foo", Driver: "cgroupfs", LimitsFile: limits}
	declared, ok, err := c.Declared()
	if err != nil || !ok || *declared.MemoryBytes != 640<<20 || declared.CPUQuotaUs != nil {
		t.Fatalf("declared %v %v %v", declared, ok, err)
	}
	enforced, exists, err := c.Enforced()
	if err != nil || !exists || enforced.MemoryBytes != nil {
		t.Fatalf("enforced %v %v %v", enforced, exists, err)
	}
	changed, err := c.Restore(declared, enforced)
	if err != nil || strings.Join(changed, " ") != "memory=671088640" {
		t.Fatalf("changed %v %v", changed, err)
	}
	if got := read(t, filepath.Join(root, "memory/pod-foo/memory.limit_in_bytes")); got != "671088640" {
		t.Fatalf("memory limit %q", got)
	}
	// cgroup v2, systemd driver: a dash in a slice's name nests it.
	root = t.TempDir()
	writeFile(t, filepath.Join(root, "cgroup.controllers"), "cpu memory pids\n")
	dir := filepath.Join(root, "pod.slice/pod-web_canary.slice")
	writeFile(t, filepath.Join(dir, "memory.max"), "max\n")
	writeFile(t, filepath.Join(dir, "cpu.max"), "max 100000\n")
	writeFile(t, limits, "memory=\ncpu_quota_us=50000\n")
	c = PodCgroup{Root: root, Parent: "pod-web_canary.slice", Driver: "systemd", LimitsFile: limits}
	declared, _, _ = c.Declared()
	enforced, _, _ = c.Enforced()
	if _, err := c.Restore(declared, enforced); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "cpu.max")); got != "50000 100000" {
		t.Fatalf("cpu.max %q", got)
	}
	if got := read(t, filepath.Join(dir, "memory.max")); got != "max\n" {
		t.Fatalf("memory.max rewritten: %q", got)
	}
}

// A pod-level CPU request's weight is kept too: v1 shares as declared, v2 the weight they make.
func TestPodCgroupCPUWeightRestored(t *testing.T) {
	root := t.TempDir()
	limits := filepath.Join(t.TempDir(), "pod-limits")
	writeFile(t, limits, "memory=\ncpu_quota_us=\ncpu_shares=512\n")
	writeFile(t, filepath.Join(root, "memory/pod-foo/memory.limit_in_bytes"), "9223372036854771712\n")
	writeFile(t, filepath.Join(root, "cpu/pod-foo/cpu.cfs_quota_us"), "-1\n")
	writeFile(t, filepath.Join(root, "cpu/pod-foo/cpu.shares"), "1024\n")
	c := PodCgroup{Root: root, Parent: "/pod-foo", Driver: "cgroupfs", LimitsFile: limits}
	declared, _, _ := c.Declared()
	enforced, _, _ := c.Enforced()
	if c.Same(declared, enforced) {
		t.Fatal("1024 shares taken for the declared 512")
	}
	if changed, err := c.Restore(declared, enforced); err != nil || strings.Join(changed, " ") != "cpu_shares=512" {
		t.Fatalf("changed %v %v", changed, err)
	}
	if got := read(t, filepath.Join(root, "cpu/pod-foo/cpu.shares")); got != "512" {
		t.Fatalf("cpu.shares %q", got)
	}
	enforced, _, _ = c.Enforced()
	if !c.Same(declared, enforced) {
		t.Fatalf("restored, yet %v is not %v", enforced, declared)
	}
	// cgroup v2: 512 shares are weight 20 (the kubelet's CpuSharesToCpuWeight).
	root = t.TempDir()
	writeFile(t, filepath.Join(root, "cgroup.controllers"), "cpu memory pids\n")
	dir := filepath.Join(root, "pod-foo")
	writeFile(t, filepath.Join(dir, "memory.max"), "max\n")
	writeFile(t, filepath.Join(dir, "cpu.max"), "max 100000\n")
	writeFile(t, filepath.Join(dir, "cpu.weight"), "100\n")
	c = PodCgroup{Root: root, Parent: "/pod-foo", Driver: "cgroupfs", LimitsFile: limits}
	declared, _, _ = c.Declared()
	enforced, _, _ = c.Enforced()
	if _, err := c.Restore(declared, enforced); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "cpu.weight")); got != "20" {
		t.Fatalf("cpu.weight %q", got)
	}
	enforced, _, _ = c.Enforced()
	if !c.Same(declared, enforced) {
		t.Fatalf("restored, yet %v is not %v", enforced, declared)
	}
}

// The gate returns at Ready, as pulumi-kubernetes' Pod await does; minReadySeconds, when set, makes it
// wait until the pod has been Ready that long.
func TestWaitReturnsAtReadyUnlessMinReadyAsks(t *testing.T) {
	dir := t.TempDir()
	a := &Agent{pod: "foo", dir: dir}
	now := time.Now()
	if err := writeJSON(a.statusPath(), PodStatus{Pod: "foo", Phase: PodRunning, Ready: true, ReadySince: now, Updated: now}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := a.Wait(context.Background(), 5*time.Second, 0); err != nil {
		t.Fatalf("Wait with no minReady: %v", err)
	}
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Errorf("Wait with no minReady took %s, want at once", took)
	}
	err := a.Wait(context.Background(), time.Second, time.Hour)
	if err == nil || !strings.Contains(err.Error(), "pod foo is not ready after 1s") {
		t.Errorf("Wait with minReady 1h: %v, want not ready after 1s", err)
	}
	now = time.Now()
	if err := writeJSON(a.statusPath(), PodStatus{Pod: "foo", Phase: PodRunning, Ready: true, ReadySince: now, Updated: now}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := a.Wait(context.Background(), 5*time.Second, 1500*time.Millisecond); err != nil {
		t.Fatalf("Wait with minReady 1.5s: %v", err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("Wait with minReady 1.5s returned after %s, before the pod had been ready that long", took)
	}
}

func TestHTTPProbeHeaders(t *testing.T) {
	var got http.Header
	var host string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, host = r.Header.Clone(), r.Host }))
	defer srv.Close()
	ctx := context.Background()
	if _, err := doHTTPProbe(ctx, srv.URL+"/", nil); err != nil || got.Get("User-Agent") != probeUserAgent || got.Get("Accept") != "*/*" {
		t.Fatalf("defaults: %v %v", err, got)
	}
	// The kubelet's NewRequestForHTTPGetAction: the probe's headers replace the defaults of their
	// name, repeat when given twice, and Host sets the request's host.
	headers := []HTTPHeader{{"X-Probe", "a"}, {"X-Probe", "b"}, {"user-agent", "mine"}, {"Host", "example.test"}}
	if _, err := doHTTPProbe(ctx, srv.URL+"/", headers); err != nil {
		t.Fatal(err)
	}
	if v := got.Values("X-Probe"); len(v) != 2 || v[0] != "a" || v[1] != "b" || got.Get("User-Agent") != "mine" || got.Get("Accept") != "*/*" || host != "example.test" {
		t.Fatalf("headers %v, host %q", got, host)
	}
}

func TestHTTPProbeEmptyHeadersSendNone(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	if _, err := doHTTPProbe(context.Background(), srv.URL+"/", []HTTPHeader{{"Accept", ""}, {"User-Agent", ""}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["Accept"]; ok {
		t.Fatalf("an empty Accept sends none, got %v", got)
	}
	if ua := got.Get("User-Agent"); ua != "" {
		t.Fatalf("an empty User-Agent sends none, got %q", ua)
	}
}
