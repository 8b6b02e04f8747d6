package main

// Readiness and liveness probes, as the kubelet's prober runs them (pkg/kubelet/prober): one worker
// per container and kind, started with the container (after initialDelaySeconds), probing every
// periodSeconds with timeoutSeconds each. Readiness starts false and turns true after
// successThreshold passes in a row, false again after failureThreshold failures; a container fails
// liveness after failureThreshold failures in a row, and is then stopped (the pod's restartPolicy
// decides what follows, as for any container that exited). exec runs in the container; httpGet and
// tcpSocket go from the agent to the pod's IP, as the kubelet's go from the node.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

// Probe is one probe of the pod's spec, with Kubernetes' defaults already filled in (by podlab).
type Probe struct {
	Exec *struct {
		Command []string `json:"command"`
	} `json:"exec,omitempty"`
	HTTPGet *struct {
		Path string `json:"path"`
		Port int    `json:"port"`
	} `json:"httpGet,omitempty"`
	TCPSocket *struct {
		Port int `json:"port"`
	} `json:"tcpSocket,omitempty"`
	InitialDelaySeconds int `json:"initialDelaySeconds"`
	PeriodSeconds       int `json:"periodSeconds"`
	TimeoutSeconds      int `json:"timeoutSeconds"`
	SuccessThreshold    int `json:"successThreshold"`
	FailureThreshold    int `json:"failureThreshold"`
}

// ContainerProbes are a container's probes (PODLAB_PROBES maps container names to them).
type ContainerProbes struct {
	Readiness *Probe `json:"readiness,omitempty"`
	Liveness  *Probe `json:"liveness,omitempty"`
}

func parseProbes(s string) (map[string]ContainerProbes, error) {
	out := map[string]ContainerProbes{}
	if s == "" {
		return out, nil
	}
	return out, json.Unmarshal([]byte(s), &out)
}

// probeFunc runs one probe against a container and says whether it passed.
type probeFunc func(ctx context.Context, p *Probe, containerID, podIP string) error

// dockerProbe runs probes through the engine (exec) and the network (httpGet, tcpSocket).
func dockerProbe(cli *client.Client) probeFunc {
	return func(ctx context.Context, p *Probe, id, podIP string) error {
		switch {
		case p.Exec != nil:
			made, err := cli.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: p.Exec.Command, AttachStdout: true, AttachStderr: true})
			if err != nil {
				return err
			}
			att, err := cli.ContainerExecAttach(ctx, made.ID, container.ExecAttachOptions{})
			if err != nil {
				return err
			}
			done := make(chan struct{})
			go func() { _, _ = io.Copy(io.Discard, att.Reader); close(done) }()
			select {
			case <-ctx.Done():
				att.Close()
				return fmt.Errorf("exec %v: timed out", p.Exec.Command)
			case <-done:
				att.Close()
			}
			res, err := cli.ContainerExecInspect(ctx, made.ID)
			if err != nil {
				return err
			}
			if res.ExitCode != 0 {
				return fmt.Errorf("exec %v: exit code %d", p.Exec.Command, res.ExitCode)
			}
			return nil
		case p.HTTPGet != nil:
			url := "http://" + net.JoinHostPort(podIP, strconv.Itoa(p.HTTPGet.Port)) + p.HTTPGet.Path
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode < 200 || res.StatusCode >= 400 {
				return fmt.Errorf("GET %s: HTTP %d", url, res.StatusCode)
			}
			return nil
		case p.TCPSocket != nil:
			var d net.Dialer
			conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(podIP, strconv.Itoa(p.TCPSocket.Port)))
			if err != nil {
				return err
			}
			return conn.Close()
		}
		return fmt.Errorf("probe without a handler")
	}
}

// incarnation is one run of a container: its ID and when it started.
type incarnation struct {
	id      string
	started time.Time
}

type probeWorkers struct {
	inc    incarnation
	cancel context.CancelFunc
	ready  bool // readiness result (true when there is no readiness probe)
}

// Prober keeps one set of workers per probed container, for its current run.
type Prober struct {
	mu      sync.Mutex
	specs   map[string]ContainerProbes
	run     probeFunc
	workers map[string]*probeWorkers
	// failedLiveness records the runs stopped for failing liveness: they count as failed, whatever
	// their exit code, when the restart policy is applied.
	failedLiveness map[incarnation]bool
	// stop stops a container (with its own stop timeout); changed wakes the agent's sync.
	stop    func(id string)
	changed func()
}

func NewProber(specs map[string]ContainerProbes, run probeFunc, stop func(id string), changed func()) *Prober {
	return &Prober{specs: specs, run: run, workers: map[string]*probeWorkers{}, failedLiveness: map[incarnation]bool{}, stop: stop, changed: changed}
}

// Update starts workers for each probed container that runs in the sandbox, and stops those of runs
// that ended. running maps container names to their current run; podIP is the sandbox's address.
func (pr *Prober) Update(ctx context.Context, running map[string]incarnation, podIP string) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for name, spec := range pr.specs {
		inc, ok := running[name]
		w := pr.workers[name]
		if w != nil && (!ok || w.inc != inc) {
			w.cancel()
			delete(pr.workers, name)
			w = nil
		}
		if !ok || w != nil {
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		w = &probeWorkers{inc: inc, cancel: cancel, ready: spec.Readiness == nil}
		pr.workers[name] = w
		if spec.Readiness != nil {
			go pr.work(wctx, name, w, spec.Readiness, false, podIP)
		}
		if spec.Liveness != nil {
			go pr.work(wctx, name, w, spec.Liveness, true, podIP)
		}
	}
}

// Ready says whether a container passes its readiness probe now (true without one).
func (pr *Prober) Ready(name string) bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.specs[name].Readiness == nil {
		return true
	}
	w := pr.workers[name]
	return w != nil && w.ready
}

// FailedLiveness says whether this run of the container was stopped for failing its liveness probe.
func (pr *Prober) FailedLiveness(id string, started time.Time) bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.failedLiveness[incarnation{id, started}]
}

func (pr *Prober) work(ctx context.Context, name string, w *probeWorkers, p *Probe, liveness bool, podIP string) {
	kind := "readiness"
	if liveness {
		kind = "liveness"
	}
	delay := time.Duration(p.InitialDelaySeconds) * time.Second
	passes, failures := 0, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = time.Duration(p.PeriodSeconds) * time.Second
		pctx, cancel := context.WithTimeout(ctx, time.Duration(p.TimeoutSeconds)*time.Second)
		err := pr.run(pctx, p, w.inc.id, podIP)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			passes, failures = passes+1, 0
		} else {
			passes, failures = 0, failures+1
		}
		if !liveness {
			pr.mu.Lock()
			was := w.ready
			if !w.ready && passes >= p.SuccessThreshold {
				w.ready = true
			} else if w.ready && failures >= p.FailureThreshold {
				w.ready = false
			}
			now := w.ready
			pr.mu.Unlock()
			if was != now {
				if now {
					log.Printf("container %s: %s probe passes: ready", name, kind)
				} else {
					log.Printf("container %s: %s probe fails: not ready (%v)", name, kind, err)
				}
				pr.changed()
			}
			continue
		}
		if failures >= p.FailureThreshold {
			log.Printf("container %s: %s probe failed %d times in a row (%v): stopping it", name, kind, failures, err)
			pr.mu.Lock()
			pr.failedLiveness[w.inc] = true
			pr.mu.Unlock()
			pr.stop(w.inc.id)
			pr.changed()
			return
		}
	}
}
