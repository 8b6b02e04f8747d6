package main

// Startup, readiness and liveness probes, as the kubelet's prober runs them (kubernetes
// pkg/kubelet/prober, v1.34), checked rule by rule against its source:
//   - worker.go: one worker per container and kind, started with the container; it probes at once
//     and then every periodSeconds, but skips probes until the container has run initialDelaySeconds;
//     readiness starts as a failure (not ready), liveness as a success; a result changes only after
//     successThreshold passes or failureThreshold failures in a row; after a liveness failure the
//     container is killed and the worker holds until the container's next run.
//   - worker.go doProbe: while a container with a startup probe has not started, its readiness and
//     liveness workers skip their probes; the startup worker stops once it passed (the container is
//     then "started"), and failureThreshold failures in a row kill the container, as liveness does.
//   - prober.go: a Warning result (below) counts as a success and is recorded as a ProbeWarning
//     event, "<Kind> probe warning: <output>".
//   - pkg/probe/http: GET with User-Agent kube-probe/<version> and Accept */*, no keep-alives, the
//     timeout timeoutSeconds; redirects followed on the same host only (since 1.14: the kubelet
//     sets followNonLocalRedirects false), at most 10; 200-399 passes, and a 3xx that ends the probe
//     (a redirect to another host) is a Warning; the body is read up to 10 KiB.
//   - pkg/probe/tcp: a connection within timeoutSeconds passes. pkg/probe/exec: exit code 0 passes;
//     the timeout is honoured (since 1.20).
//   - pkg/probe/grpc: grpc.health.v1.Health/Check over a plaintext connection, with User-Agent
//     kube-probe/<version>, within timeoutSeconds; SERVING passes, any other status fails ("service
//     unhealthy (responded with …)"), and so does a failed connection or call (grpc.go).
//   - Named ports are resolved from the container's ports by name (pkg/probe/util.go,
//     ResolveContainerPort) by podlab before the agent starts (components/model/from-manifest.ts).
// exec runs in the container; httpGet and tcpSocket go from the agent to the pod's IP, as the
// kubelet's go from the node. A liveness failure stops the container: the pod's restartPolicy decides
// what follows, as for any container that exited.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
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
		// Headers are httpHeaders, in order; they replace the probe's defaults of the same name.
		Headers []HTTPHeader `json:"headers,omitempty"`
	} `json:"httpGet,omitempty"`
	TCPSocket *struct {
		Port int `json:"port"`
	} `json:"tcpSocket,omitempty"`
	// GRPC is a gRPC health check (grpc.health.v1.Health/Check) of Service ("" : the server's own).
	GRPC *struct {
		Port    int    `json:"port"`
		Service string `json:"service"`
	} `json:"grpc,omitempty"`
	InitialDelaySeconds int `json:"initialDelaySeconds"`
	PeriodSeconds       int `json:"periodSeconds"`
	TimeoutSeconds      int `json:"timeoutSeconds"`
	SuccessThreshold    int `json:"successThreshold"`
	FailureThreshold    int `json:"failureThreshold"`
}

// HTTPHeader is one of an httpGet probe's httpHeaders.
type HTTPHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ContainerProbes are a container's probes (PODLAB_PROBES maps container names to them).
type ContainerProbes struct {
	Startup   *Probe `json:"startup,omitempty"`
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

// probeFunc runs one probe against a container: a nil error is a pass; a pass may carry a warning
// (the kubelet's probe.Warning, which counts as a success and is reported as a ProbeWarning).
type probeFunc func(ctx context.Context, p *Probe, containerID, podIP string) (warning string, err error)

// maxRespBodyLength is how much of an HTTP probe's response the kubelet reads (pkg/probe/http).
const maxRespBodyLength = 10 << 10

// probeUserAgent is the kubelet's User-Agent for probes, "kube-probe/<major>.<minor>", of the
// Kubernetes version podlab's local cluster runs.
const probeUserAgent = "kube-probe/1.34"

// redirectChecker is the kubelet's (pkg/probe/http/request.go RedirectChecker with
// followNonLocalRedirects false, as the kubelet's prober sets it since 1.14): redirects are followed
// on the same host only, at most 10; a redirect elsewhere ends the probe with the redirect response.
func redirectChecker(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// httpProbeClient is the kubelet's: no keep-alives (each probe is a new connection), redirects as
// redirectChecker says; the probe's timeout comes from its context.
var httpProbeClient = &http.Client{
	Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
	CheckRedirect: redirectChecker,
}

// doHTTPProbe is the kubelet's DoHTTPProbe (pkg/probe/http/http.go): 200-399 passes; a 3xx that
// ends the probe (a redirect to another host) passes with a warning; anything else fails. The body
// is read up to 10 KiB, and only for the warning: a failure's message never carries it.
//
// headers are the probe's httpHeaders: as the kubelet's NewRequestForHTTPGetAction, a header of the
// same name replaces the default User-Agent or Accept (an empty one sends none), several of one name
// are all sent, and "Host" sets the request's host.
func doHTTPProbe(ctx context.Context, url string, headers []HTTPHeader) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	for _, h := range headers {
		if http.CanonicalHeaderKey(h.Name) == "Host" {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	// Given but empty: none is sent (net/http sends no User-Agent set to "").
	if _, given := req.Header["User-Agent"]; !given {
		req.Header.Set("User-Agent", probeUserAgent)
	}
	if v, given := req.Header["Accept"]; !given {
		req.Header.Set("Accept", "*/*")
	} else if len(v) == 1 && v[0] == "" {
		req.Header.Del("Accept")
	}
	res, err := httpProbeClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxRespBodyLength))
	if err != nil {
		return "", err
	}
	if res.StatusCode >= http.StatusOK && res.StatusCode < http.StatusBadRequest {
		if res.StatusCode >= http.StatusMultipleChoices {
			return fmt.Sprintf("Probe terminated redirects, Response body: %s", body), nil
		}
		return "", nil
	}
	return "", fmt.Errorf("HTTP probe failed with statuscode: %d", res.StatusCode)
}

// dockerProbe runs probes through the engine (exec) and the network (httpGet, tcpSocket).
func dockerProbe(cli *client.Client) probeFunc {
	return func(ctx context.Context, p *Probe, id, podIP string) (string, error) {
		switch {
		case p.Exec != nil:
			made, err := cli.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: p.Exec.Command, AttachStdout: true, AttachStderr: true})
			if err != nil {
				return "", err
			}
			att, err := cli.ContainerExecAttach(ctx, made.ID, container.ExecAttachOptions{})
			if err != nil {
				return "", err
			}
			done := make(chan struct{})
			go func() { _, _ = io.Copy(io.Discard, att.Reader); close(done) }()
			select {
			case <-ctx.Done():
				att.Close()
				// The kubelet's exec probe honours timeoutSeconds (since 1.20): a timeout fails it.
				return "", fmt.Errorf("command %v timed out", p.Exec.Command)
			case <-done:
				att.Close()
			}
			res, err := cli.ContainerExecInspect(ctx, made.ID)
			if err != nil {
				return "", err
			}
			if res.ExitCode != 0 {
				return "", fmt.Errorf("command %v exited with code %d", p.Exec.Command, res.ExitCode)
			}
			return "", nil
		case p.HTTPGet != nil:
			return doHTTPProbe(ctx, "http://"+net.JoinHostPort(podIP, strconv.Itoa(p.HTTPGet.Port))+p.HTTPGet.Path, p.HTTPGet.Headers)
		case p.GRPC != nil:
			return doGRPCProbe(ctx, net.JoinHostPort(podIP, strconv.Itoa(p.GRPC.Port)), p.GRPC.Service)
		case p.TCPSocket != nil:
			// The kubelet's tcp probe (pkg/probe/tcp): a connection within the timeout passes.
			var d net.Dialer
			conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(podIP, strconv.Itoa(p.TCPSocket.Port)))
			if err != nil {
				return "", err
			}
			return "", conn.Close()
		}
		return "", fmt.Errorf("probe without a handler")
	}
}

// incarnation is one run of a container: its ID and when it started.
type incarnation struct {
	id      string
	started time.Time
}

type probeWorkers struct {
	inc     incarnation
	cancel  context.CancelFunc
	ready   bool // readiness result (true when there is no readiness probe)
	started bool // the startup probe passed (true when there is none)
}

// Prober keeps one set of workers per probed container, for its current run.
type Prober struct {
	mu      sync.Mutex
	specs   map[string]ContainerProbes
	run     probeFunc
	workers map[string]*probeWorkers
	// failedLiveness records the runs stopped for failing liveness (or startup): they count as failed,
	// whatever their exit code, when the restart policy is applied.
	failedLiveness map[incarnation]bool
	// stop stops a container (with its own stop timeout); changed wakes the agent's sync.
	stop    func(name, id string)
	changed func()
	// warnings holds each container's last probe warning, in the kubelet's ProbeWarning words.
	warnings map[string]string
}

func NewProber(specs map[string]ContainerProbes, run probeFunc, stop func(name, id string), changed func()) *Prober {
	return &Prober{specs: specs, run: run, workers: map[string]*probeWorkers{}, failedLiveness: map[incarnation]bool{}, stop: stop, changed: changed, warnings: map[string]string{}}
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
		w = &probeWorkers{inc: inc, cancel: cancel, ready: spec.Readiness == nil, started: spec.Startup == nil}
		pr.workers[name] = w
		if spec.Startup != nil {
			go pr.work(wctx, name, w, spec.Startup, startupProbe, podIP)
		}
		if spec.Readiness != nil {
			go pr.work(wctx, name, w, spec.Readiness, readinessProbe, podIP)
		}
		if spec.Liveness != nil {
			go pr.work(wctx, name, w, spec.Liveness, livenessProbe, podIP)
		}
	}
}

// Ready says whether a container has started and passes its readiness probe now (true without
// either probe): the kubelet's container is not ready before its startup probe passed.
func (pr *Prober) Ready(name string) bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	spec := pr.specs[name]
	if spec.Readiness == nil && spec.Startup == nil {
		return true
	}
	w := pr.workers[name]
	return w != nil && w.started && w.ready
}

// Started says whether a running container has started: its startup probe passed (true without one).
func (pr *Prober) Started(name string) bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.specs[name].Startup == nil {
		return true
	}
	w := pr.workers[name]
	return w != nil && w.started
}

// Warning is the container's last probe warning, "" when none.
func (pr *Prober) Warning(name string) string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.warnings[name]
}

// FailedLiveness says whether this run of the container was stopped for failing its liveness probe.
func (pr *Prober) FailedLiveness(id string, started time.Time) bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.failedLiveness[incarnation{id, started}]
}

// The kinds of probe, as the kubelet's prober names them in its messages.
const (
	startupProbe   = "startup"
	readinessProbe = "readiness"
	livenessProbe  = "liveness"
)

func (pr *Prober) work(ctx context.Context, name string, w *probeWorkers, p *Probe, kind string, podIP string) {
	delay := time.Duration(p.InitialDelaySeconds) * time.Second
	passes, failures := 0, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = time.Duration(p.PeriodSeconds) * time.Second
		// Readiness and liveness wait for the container to have started (its startup probe).
		pr.mu.Lock()
		started := w.started
		pr.mu.Unlock()
		if kind != startupProbe && !started {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, time.Duration(p.TimeoutSeconds)*time.Second)
		warning, err := pr.run(pctx, p, w.inc.id, podIP)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if warning != "" {
			// The kubelet's prober records a Warning result as a ProbeWarning event and counts it a pass.
			msg := fmt.Sprintf("%s probe warning: %s", strings.ToUpper(kind[:1])+kind[1:], warning)
			if len(msg) > 300 {
				msg = msg[:300] + "…"
			}
			pr.mu.Lock()
			first := pr.warnings[name] != msg
			pr.warnings[name] = msg
			pr.mu.Unlock()
			if first {
				log.Printf("container %s: %s", name, msg)
			}
		}
		if err == nil {
			passes, failures = passes+1, 0
		} else {
			passes, failures = 0, failures+1
		}
		if kind == startupProbe && passes >= p.SuccessThreshold {
			pr.mu.Lock()
			w.started = true
			pr.mu.Unlock()
			log.Printf("container %s: startup probe passes: started", name)
			pr.changed()
			return
		}
		if kind == readinessProbe {
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
			pr.stop(name, w.inc.id)
			pr.changed()
			return
		}
	}
}
