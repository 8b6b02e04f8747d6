// podlab-agent keeps a Docker pod whole while Pulumi is not running, as the kubelet keeps a Pod: when
// the sandbox dies, restarts or is removed, every member is started again inside the sandbox's
// current namespaces; members are restarted by the pod's restartPolicy with the kubelet's crash-loop
// back-off. One agent runs per pod, as a container the pod's Pulumi component declares.
//
//	podlab-agent run      sync the pod until stopped (the container's command)
//	podlab-agent status   print the pod's status (JSON, Kubernetes' words)
//	podlab-agent wait     wait until the pod is ready; fail with each container's state and log
//
// Environment: PODLAB_POD (the pod's name), PODLAB_MEMBERS (its containers, comma-separated, in spec
// order), PODLAB_INIT_CONTAINERS (its init containers, likewise), PODLAB_PROBES (readiness and liveness
// probes by container, JSON), PODLAB_RESTART_POLICY (Always, OnFailure or Never), DOCKER_HOST (default: the local socket),
// PODLAB_CGROUP_PARENT and PODLAB_CGROUP_DRIVER (the pod's cgroup parent, whose pod-level limits it keeps:
// declared in PODLAB_POD_LIMITS_DIR/<pod>, default /var/lib/podlab/pod-limits; the host's cgroup mount at
// PODLAB_HOST_CGROUP, default /host/sys/fs/cgroup).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

var (
	startOptions  = container.StartOptions{}
	removeOptions = container.RemoveOptions{Force: true}
)

const stateDir = "/var/lib/podlab-agent"

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "podlab-agent: "+format+"\n", args...)
	os.Exit(1)
}

func fromEnv() *Agent {
	pod := os.Getenv("PODLAB_POD")
	if pod == "" {
		fail("PODLAB_POD is not set")
	}
	var members []string
	for _, m := range strings.Split(os.Getenv("PODLAB_MEMBERS"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			members = append(members, m)
		}
	}
	if len(members) == 0 {
		fail("PODLAB_MEMBERS is empty")
	}
	var inits []string
	for _, m := range strings.Split(os.Getenv("PODLAB_INIT_CONTAINERS"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			inits = append(inits, m)
		}
	}
	policy := RestartPolicy(os.Getenv("PODLAB_RESTART_POLICY"))
	switch policy {
	case "":
		policy = Always
	case Always, OnFailure, Never:
	default:
		fail("PODLAB_RESTART_POLICY %q is not Always, OnFailure or Never", policy)
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		fail("docker client: %v", err)
	}
	probes, err := parseProbes(os.Getenv("PODLAB_PROBES"))
	if err != nil {
		fail("PODLAB_PROBES: %v", err)
	}
	a := &Agent{cli: cli, pod: pod, policy: policy, inits: inits, members: members, dir: stateDir, wake: make(chan struct{}, 1), runCtx: context.Background()}
	if parent := os.Getenv("PODLAB_CGROUP_PARENT"); parent != "" {
		a.cgroup = &PodCgroup{
			Root: envOr("PODLAB_HOST_CGROUP", "/host/sys/fs/cgroup"), Parent: parent, Driver: envOr("PODLAB_CGROUP_DRIVER", "cgroupfs"),
			LimitsFile: filepath.Join(envOr("PODLAB_POD_LIMITS_DIR", "/var/lib/podlab/pod-limits"), pod),
		}
	}
	a.prober = NewProber(probes, dockerProbe(cli), func(id string) {
		// The container's own stop timeout: the pod's terminationGracePeriodSeconds, as the kubelet.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := cli.ContainerStop(ctx, id, container.StopOptions{}); err != nil {
			log.Printf("pod %s: stopping %s after its liveness probe failed: %v", pod, short(id), err)
		}
	}, a.poke)
	return a
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	cmd := "run"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	a := fromEnv()
	switch cmd {
	case "run":
		ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stopSignals()
		if err := a.Run(ctx); err != nil {
			fail("%v", err)
		}
	case "status":
		b, err := os.ReadFile(a.statusPath())
		if err != nil {
			fail("no status yet: %v", err)
		}
		os.Stdout.Write(append(b, '\n'))
	case "wait":
		fs := flag.NewFlagSet("wait", flag.ExitOnError)
		timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait for the pod to be ready")
		minReady := fs.Duration("min-ready", 0, "how long the pod must have been ready (Kubernetes' minReadySeconds; default 0)")
		fs.Parse(os.Args[2:])
		if err := a.Wait(context.Background(), *timeout, *minReady); err != nil {
			fail("%v", err)
		}
	default:
		fail("unknown command %q: run, status or wait", cmd)
	}
}
