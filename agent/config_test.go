package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPodConfigsOfAStack(t *testing.T) {
	pods, multi, err := podConfigs(env(map[string]string{
		"PODLAB_PODS": `[{"pod":"foo","members":["app","sidecar"],"cgroupParent":"/pod-foo"},{"pod":"bar","members":["web"],"restartPolicy":"Never","initContainers":["seed"]}]`,
	}))
	if err != nil || !multi || len(pods) != 2 {
		t.Fatalf("podConfigs: %v, multi %v, %d pods", err, multi, len(pods))
	}
	if pods[0].RestartPolicy != Always || pods[1].RestartPolicy != Never || pods[1].Inits[0] != "seed" {
		t.Errorf("pods: %+v", pods)
	}
	if got := stateDirOf("/var/lib/podlab-agent", "bar", multi); got != "/var/lib/podlab-agent/bar" {
		t.Errorf("state dir %s", got)
	}
}

func TestPodConfigOfOnePod(t *testing.T) {
	pods, multi, err := podConfigs(env(map[string]string{"PODLAB_POD": "foo", "PODLAB_MEMBERS": "app, sidecar,", "PODLAB_PROBES": `{"app":{}}`}))
	if err != nil || multi || len(pods) != 1 || strings.Join(pods[0].Members, ",") != "app,sidecar" {
		t.Fatalf("podConfigs: %v %v %+v", err, multi, pods)
	}
	if got := stateDirOf("/var/lib/podlab-agent", "foo", multi); got != "/var/lib/podlab-agent" {
		t.Errorf("a per-pod agent's state dir moved: %s", got)
	}
}

func TestPodConfigsRefused(t *testing.T) {
	for in, want := range map[string]string{
		``:                                 "neither PODLAB_PODS nor PODLAB_POD is set",
		`[]`:                               "PODLAB_PODS lists no pod",
		`[{"pod":"../x","members":["a"]}]`: `PODLAB_PODS[0]: pod "../x" is not a DNS label`,
		`[{"pod":"foo"}]`:                  "PODLAB_PODS[0]: pod foo: members is empty",
		`[{"pod":"foo","members":["a"],"restartPolicy":"always"}]`:      `restartPolicy "always" is not Always, OnFailure or Never`,
		`[{"pod":"foo","members":["a"]},{"pod":"foo","members":["b"]}]`: "PODLAB_PODS[1]: pod foo is listed twice",
		`{`: "PODLAB_PODS: unexpected end of JSON input",
	} {
		_, _, err := podConfigs(env(map[string]string{"PODLAB_PODS": in}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("PODLAB_PODS=%s: %v, want %q", in, err, want)
		}
	}
}

func TestWaitAllNamesEachPodNotReady(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	var agents []*Agent
	for _, p := range []struct {
		pod   string
		ready bool
	}{{"foo", true}, {"bar", false}} {
		a := &Agent{pod: p.pod, dir: stateDirOf(root, p.pod, true)}
		if err := os.MkdirAll(a.dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(a.statusPath(), PodStatus{Pod: p.pod, Phase: PodRunning, Ready: p.ready, ReadySince: now, Updated: now}); err != nil {
			t.Fatal(err)
		}
		agents = append(agents, a)
	}
	if err := waitAll(context.Background(), agents[:1], time.Second, 0); err != nil {
		t.Errorf("waitAll(foo): %v", err)
	}
	err := waitAll(context.Background(), agents, time.Second, 0)
	if err == nil || !strings.Contains(err.Error(), "pod bar is not ready after 1s") || strings.Contains(err.Error(), "pod foo") {
		t.Errorf("waitAll(foo, bar): %v, want bar alone named", err)
	}
}
