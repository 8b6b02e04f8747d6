// podlab-agent keeps Docker pods whole while Pulumi is not running, as the kubelet keeps its node's
// Pods: when a sandbox dies, restarts or is removed, every member is started again inside the
// sandbox's current namespaces; members are restarted by the pod's restartPolicy with the kubelet's
// crash-loop back-off. It keeps one pod (PODLAB_POD, one agent per pod) or every docker-host pod of a
// stack on its host (PODLAB_PODS, one agent per stack and host): see config.go.
//
//	podlab-agent run                        sync the pods until stopped (the container's command)
//	podlab-agent status [--pod NAME]        print a pod's status (JSON, Kubernetes' words)
//	podlab-agent wait [--pods a,b] [...]    wait until the pods are ready; fail with each container's state and log
//	podlab-agent init --pod NAME [--timeout D]   run a pod's init phase during `pulumi up` (initialize.go)
//	podlab-agent stop --pod NAME [--containers a,b] [--created-before NS]   stop a pod's running containers as the kubelet
//	                                        ends a pod (terminate.go): for `pulumi destroy` and replacements
//
// `wait` and `init` mask the values listed in PODLAB_MASK (one per line) in what they print. The
// runs whose postStart hook completed are kept in PODLAB_POST_STARTED_DIR/<pod>.json (default
// /var/lib/podlab/post-started), shared by the agent and its one-shot runs.
//
// Environment: PODLAB_PODS (JSON list of PodConfig: pod, members, initContainers, restartPolicy,
// probes, cgroupParent, cgroupDriver), or for one pod PODLAB_POD (the pod's name), PODLAB_MEMBERS (its
// containers, comma-separated, in spec order), PODLAB_INIT_CONTAINERS (its init containers, likewise),
// PODLAB_PROBES (readiness and liveness probes by container, JSON), PODLAB_RESTART_POLICY (Always,
// OnFailure or Never), PODLAB_CGROUP_PARENT and PODLAB_CGROUP_DRIVER (the pod's cgroup parent, whose
// pod-level limits it keeps: declared in PODLAB_POD_LIMITS_DIR/<pod>, default
// /var/lib/podlab/pod-limits; the host's cgroup mount at PODLAB_HOST_CGROUP, default
// /host/sys/fs/cgroup); DOCKER_HOST (default: the local socket).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
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

// agentsFromEnv makes an Agent for each pod the environment names (see config.go), sharing one
// Docker client; it fails the process on a bad config.
func agentsFromEnv() ([]*Agent, bool) {
	pods, multi, err := podConfigs(os.Getenv)
	if err != nil {
		fail("%v", err)
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		fail("docker client: %v", err)
	}
	var out []*Agent
	for _, c := range pods {
		out = append(out, newAgent(cli, c, stateDirOf(stateDir, c.Pod, multi)))
	}
	return out, multi
}

// newAgent is the agent of one pod, its state in dir.
func newAgent(cli *client.Client, c PodConfig, dir string) *Agent {
	pod := c.Pod
	a := &Agent{cli: cli, pod: pod, policy: c.RestartPolicy, inits: c.Inits, members: c.Members, dir: dir, wake: make(chan struct{}, 1), runCtx: context.Background(), sidecars: map[string]bool{}}
	for _, sc := range c.Sidecars {
		a.sidecars[sc] = true
	}
	if c.CgroupParent != "" {
		driver := c.CgroupDriver
		if driver == "" {
			driver = "cgroupfs"
		}
		a.cgroup = &PodCgroup{
			Root: envOr("PODLAB_HOST_CGROUP", "/host/sys/fs/cgroup"), Parent: c.CgroupParent, Driver: driver,
			LimitsFile: filepath.Join(envOr("PODLAB_POD_LIMITS_DIR", "/var/lib/podlab/pod-limits"), pod),
		}
	}
	a.postStarted = postStartedFile(filepath.Join(envOr("PODLAB_POST_STARTED_DIR", "/var/lib/podlab/post-started"), pod+".json"))
	a.grace = 30 * time.Second
	if c.TerminationGracePeriodSeconds != nil {
		a.grace = time.Duration(*c.TerminationGracePeriodSeconds) * time.Second
	}
	// A container killed by the kubelet (a failed liveness or startup probe, a failed postStart
	// hook) gets its preStop hook first, within the pod's terminationGracePeriodSeconds.
	kill := func(why string) func(name, id string) {
		return func(name, id string) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if k := a.killer(a.podIP()).kill(ctx, name, id, a.grace, nil); k.Err != nil {
				log.Printf("pod %s: stopping %s after %s: %v", pod, short(id), why, k.Err)
			}
		}
	}
	a.prober = NewProber(c.Probes, dockerProbe(cli), kill("its probe failed"), a.poke)
	a.hooks = NewHooks(c.Hooks, dockerProbe(cli), kill("its postStart hook failed"), a.poke, nil)
	return a
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	cmd := "run"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	agents, multi := agentsFromEnv()
	switch cmd {
	case "run":
		ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stopSignals()
		runAll(ctx, agents)
	case "status":
		fs := flag.NewFlagSet("status", flag.ExitOnError)
		pod := fs.String("pod", "", "the pod whose status to print (a stack's agent keeps several)")
		fs.Parse(os.Args[2:])
		a := pick(agents, multi, *pod)
		b, err := os.ReadFile(a.statusPath())
		if err != nil {
			fail("pod %s: no status yet: %v", a.pod, err)
		}
		os.Stdout.Write(append(b, '\n'))
	case "wait":
		fs := flag.NewFlagSet("wait", flag.ExitOnError)
		timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait for the pods to be ready")
		minReady := fs.Duration("min-ready", 0, "how long each pod must have been ready (Kubernetes' minReadySeconds; default 0)")
		pods := fs.String("pods", "", "the pods to wait for, comma-separated (default: every pod the agent keeps)")
		fs.Parse(os.Args[2:])
		if err := waitAll(context.Background(), selectPods(agents, splitList(*pods)), *timeout, *minReady); err != nil {
			// The containers' log lines it quotes may hold the pods' Secret values (mask.go).
			fail("%s", newMasker(os.Getenv("PODLAB_MASK")).mask(err.Error()))
		}
	case "init":
		// A step of `pulumi up`: its lines are read there, without the log's dates.
		log.SetFlags(0)
		fs := flag.NewFlagSet("init", flag.ExitOnError)
		pod := fs.String("pod", "", "the pod whose init containers to run (a stack's agent config lists several)")
		timeout := fs.Duration("timeout", 10*time.Minute, "how long the init phase may take")
		fs.Parse(os.Args[2:])
		a := pick(agents, multi, *pod)
		if err := a.initPod(context.Background(), *timeout, os.Stdout, newMasker(os.Getenv("PODLAB_MASK"))); err != nil {
			fail("%v", err)
		}
	case "stop":
		log.SetFlags(0)
		fs := flag.NewFlagSet("stop", flag.ExitOnError)
		pod := fs.String("pod", "", "the pod to stop (a stack's agent config lists several)")
		only := fs.String("containers", "", "stop only these containers, comma-separated (default: all of the pod's)")
		before := fs.Int64("created-before", 0, "stop only containers made before this time (Unix nanoseconds; 0: any)")
		fs.Parse(os.Args[2:])
		a := pick(agents, multi, *pod)
		var createdBefore time.Time
		if *before > 0 {
			createdBefore = time.Unix(0, *before)
		}
		if err := a.stopPod(context.Background(), splitList(*only), createdBefore, os.Stdout); err != nil {
			fail("%v", err)
		}
	default:
		fail("unknown command %q: run, status, wait, init or stop", cmd)
	}
}
