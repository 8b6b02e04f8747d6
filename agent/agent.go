package main

// The sync loop: observe the pod, plan (actions.go), act, write the pod's status. It runs on every
// Docker event of the pod's containers and every two seconds, so a missed event costs at most that.

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
)

// repairGrace is how long a member that runs in an older sandbox's namespaces gets to stop before it
// is killed: it has lost its pod's network already, and a longer wait only lengthens the outage.
const repairGrace = 2 * time.Second

// State survives the agent's own restarts and the daemon's (it lives in the agent's container).
type State struct {
	Snapshots       map[string]Snapshot `json:"snapshots"` // "sandbox" and each member
	Restarts        map[string]int      `json:"restarts"`
	SandboxRestarts int                 `json:"sandboxRestarts"`
	BackOff         *BackOff            `json:"backOff"`
	// History is each container's status history (init containers and members), by name.
	History map[string]*History `json:"history"`
	// Life is the sandbox life (lifeOf) the agent last saw; Initialized says the pod's init
	// containers completed in it (or an app container ran in it).
	Life        string `json:"life,omitempty"`
	Initialized bool   `json:"initialized"`
	// Terminal is the pod's phase once it has Succeeded or Failed: it stays so.
	Terminal string `json:"terminal,omitempty"`
	// PostStarted is each container's run whose postStart hook completed.
	PostStarted map[string]Run `json:"postStarted,omitempty"`
}

// Run names one run of a container in the state file.
type Run struct {
	ID      string    `json:"id"`
	Started time.Time `json:"started"`
}

type Agent struct {
	cli     *client.Client
	pod     string
	policy  RestartPolicy
	inits   []string // init containers, in spec order
	members []string
	// sidecars are the init containers with restartPolicy Always.
	sidecars map[string]bool
	dir      string
	state    State
	prober   *Prober
	hooks    *Hooks
	// grace is the pod's terminationGracePeriodSeconds: what a stop with a preStop hook gets.
	grace time.Duration
	// ip is the sandbox's address as the last sync saw it (for hooks run outside a sync).
	ipMu sync.Mutex
	ip   string
	// wake asks for a sync now (Docker events, probe results).
	wake chan struct{}
	// readyAt is when the pod last became Ready (zero while it is not): Kubernetes' Ready condition's
	// lastTransitionTime, which readiness probes move past the containers' start.
	readyAt time.Time
	// runCtx lives as long as the agent runs: probe workers outlive a single sync.
	runCtx context.Context
	// cgroup is the pod's cgroup parent whose pod-level limits the agent keeps (nil: not told).
	cgroup       *PodCgroup
	cgroupStatus *PodCgroupStatus
	// mu guards the state while a round's actions run side by side.
	mu sync.Mutex
	// postStarted is where the runs whose postStart hook completed outlive this process.
	postStarted postStartedFile
}

// poke asks for a sync without blocking.
func (a *Agent) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *Agent) statePath() string  { return filepath.Join(a.dir, "state.json") }
func (a *Agent) statusPath() string { return filepath.Join(a.dir, "status.json") }

func (a *Agent) load() {
	a.state = State{Snapshots: map[string]Snapshot{}, Restarts: map[string]int{}, BackOff: NewBackOff()}
	if b, err := os.ReadFile(a.statePath()); err == nil {
		if err := json.Unmarshal(b, &a.state); err != nil {
			log.Printf("ignoring unreadable state %s: %v", a.statePath(), err)
		}
	}
	if a.state.Snapshots == nil {
		a.state.Snapshots = map[string]Snapshot{}
	}
	if a.state.Restarts == nil {
		a.state.Restarts = map[string]int{}
	}
	if a.state.BackOff == nil || a.state.BackOff.Entries == nil {
		a.state.BackOff = NewBackOff()
	}
	if a.state.History == nil {
		a.state.History = map[string]*History{}
	}
	done := map[string]incarnation{}
	for name, r := range a.state.PostStarted {
		done[name] = incarnation{r.ID, r.Started}
	}
	// Runs whose hook completed under another process of the agent (`podlab-agent init`, an agent
	// since replaced): a hook runs once per start of a container, whoever ran it.
	for name, r := range a.postStarted.load() {
		done[name] = incarnation{r.ID, r.Started}
	}
	a.hooks.mu.Lock()
	a.hooks.done = done
	a.hooks.mu.Unlock()
}

// podIP is the sandbox's address as the last sync saw it.
func (a *Agent) podIP() string {
	a.ipMu.Lock()
	defer a.ipMu.Unlock()
	return a.ip
}

// started says whether a container's current run has started: its startup probe passed and its
// postStart hook completed (the kubelet's Started).
func (a *Agent) started(name string, o *Observed) bool {
	return o != nil && a.prober.Started(name) && a.hooks.PostStarted(name, incarnation{o.ID, o.StartedAt})
}

// history is a container's history, made on first use.
func (a *Agent) history(name string) *History {
	h := a.state.History[name]
	if h == nil {
		h = &History{}
		a.state.History[name] = h
	}
	return h
}

// keepCgroup restores the pod's declared pod-level limits on its cgroup where the kernel's differ
// (see podcgroup.go), and keeps what it found for the status.
func (a *Agent) keepCgroup() {
	if a.cgroup == nil {
		return
	}
	st := &PodCgroupStatus{Parent: a.cgroup.Parent}
	if a.cgroupStatus != nil {
		st.Restored = a.cgroupStatus.Restored
	}
	a.cgroupStatus = st
	declared, ok, err := a.cgroup.Declared()
	if err != nil {
		st.LastError = err.Error()
		return
	}
	enforced, exists, err := a.cgroup.Enforced()
	if err != nil {
		st.LastError = err.Error()
		return
	}
	if ok {
		st.Declared = &declared
	}
	if exists {
		st.Enforced = &enforced
	}
	if !ok || !exists || a.cgroup.Same(declared, enforced) {
		return
	}
	changed, err := a.cgroup.Restore(declared, enforced)
	if err != nil {
		st.LastError = err.Error()
		log.Printf("pod %s: restoring the pod-level limits of %s: %v", a.pod, a.cgroup.Parent, err)
		return
	}
	st.Restored++
	log.Printf("pod %s: cgroup %s had %s, declared %s: restored %s", a.pod, a.cgroup.Parent, enforced, declared, strings.Join(changed, " "))
	if now, _, err := a.cgroup.Enforced(); err == nil {
		st.Enforced = &now
	}
}

// writeJSON writes a file atomically, so that a reader never sees half of it.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Run syncs until the context ends.
func (a *Agent) Run(ctx context.Context) error {
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	a.load()
	log.Printf("pod %s: agent started (restartPolicy %s, members %v)", a.pod, a.policy, a.members)
	a.runCtx = ctx
	wake := a.wake
	go a.watch(ctx, wake)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		again, err := a.sync(ctx)
		if ctx.Err() != nil {
			log.Printf("pod %s: agent stopping", a.pod)
			return nil // stopped (docker stop, the daemon shutting down): a cut-off sync is no error
		}
		if err != nil {
			log.Printf("pod %s: sync: %v", a.pod, err)
		}
		wait := tick.C
		if again {
			// Something was done: look again at once, against what it changed.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-wait:
		}
	}
}

// watch turns the Docker events of the pod's containers into wake-ups, reconnecting as needed.
func (a *Agent) watch(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		msgs, errs := a.cli.Events(ctx, events.ListOptions{Filters: filters.NewArgs(
			filters.Arg("type", string(events.ContainerEventType)),
			filters.Arg("label", labelPod+"="+a.pod),
		)})
	loop:
		for {
			select {
			case <-ctx.Done():
				return
			case <-msgs:
				select {
				case wake <- struct{}{}:
				default:
				}
			case <-errs:
				break loop
			}
		}
		time.Sleep(time.Second)
	}
}

// sync runs one round; it reports whether it acted (so the caller looks again soon).
func (a *Agent) sync(ctx context.Context) (bool, error) {
	// A round may stop containers: each gets the pod's grace for its hook, its turn and its stop.
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second+3*a.grace)
	defer cancel()
	cs, err := list(ctx, a.cli, a.pod)
	if err != nil {
		return false, err
	}
	p := Pod{Policy: a.policy, Inits: a.inits, Sidecars: a.sidecars, Members: a.members, Observed: map[string]*Observed{}, HaveSnapshot: map[string]bool{}}
	p.Started = func(name string) bool { return a.started(name, p.Observed[name]) }
	var sandboxID string
	if len(cs.sandboxes) > 0 {
		sb := cs.sandboxes[0]
		sandboxID = sb.ID
		p.Sandbox = observe(sb)
		a.state.Snapshots["sandbox"] = snapshotOf(sb)
		others := map[string]bool{}
		for _, s := range cs.sandboxes[1:] {
			others[s.ID] = true
		}
		p.OtherSandbox = func(id string) bool { return others[id] }
	}
	_, p.HaveSandboxSnapshot = a.state.Snapshots["sandbox"]
	life := lifeOf(p.Sandbox)
	if life != "" && life != a.state.Life {
		// A new sandbox life: its init containers have yet to run in it.
		a.state.Life, a.state.Initialized = life, false
	}
	for _, name := range append(append([]string{}, a.inits...), a.members...) {
		if c, ok := cs.members[name]; ok {
			o := observe(c)
			p.Observed[name] = o
			// Only a member that joined the current sandbox is a faithful template.
			if p.Sandbox != nil && o.JoinedID == sandboxID {
				a.state.Snapshots[name] = snapshotOf(c)
			}
			runLife := ""
			if life != "" && o.JoinedID == sandboxID && !o.StartedAt.Before(p.Sandbox.StartedAt) {
				runLife = life
			}
			a.history(name).Saw(o, runLife)
		}
		_, p.HaveSnapshot[name] = a.state.Snapshots[name]
	}
	if life != "" && !a.state.Initialized && a.initializedIn(life, p.Observed) {
		a.state.Initialized = true
	}
	p.History, p.Initialized, p.Terminal = a.state.History, a.state.Initialized && life != "", a.state.Terminal != ""
	a.keepCgroup()

	// Probes run against each member's and sidecar's current run inside the sandbox, at the pod's IP.
	running := map[string]incarnation{}
	p.LivenessFailed = map[string]bool{}
	for _, name := range append(a.sidecarList(), a.members...) {
		o := p.Observed[name]
		if o == nil {
			continue
		}
		if o.Running && p.Sandbox != nil && p.Sandbox.Running && o.JoinedID == sandboxID && !o.StartedAt.Before(p.Sandbox.StartedAt) {
			running[name] = incarnation{o.ID, o.StartedAt}
		}
		if !o.Running && a.prober.FailedLiveness(o.ID, o.StartedAt) {
			p.LivenessFailed[name] = true
		}
	}
	podIP := cs.podIP()
	a.prober.Update(a.runCtx, running, podIP)
	a.ipMu.Lock()
	a.ip = podIP
	a.ipMu.Unlock()
	a.hooks.Update(a.runCtx, running, podIP)

	now := time.Now()
	acts, waits := Plan(p, now, a.state.BackOff)
	// The actions of one round touch different containers (a sandbox action comes alone): run them
	// side by side, so that members stopping within their grace period do not wait for each other.
	errs := make([]error, len(acts))
	stopping := map[string]bool{}
	for _, act := range acts {
		if act.Kind == StopMember {
			stopping[act.Container] = true
		}
	}
	ord := newTermination(a.inits, a.sidecars, a.members, stopping)
	var wg sync.WaitGroup
	for i, act := range acts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = a.do(ctx, act, cs, sandboxID, podIP, ord)
		}()
	}
	wg.Wait()
	for i, act := range acts {
		if errs[i] != nil {
			log.Printf("pod %s: %s %s failed: %v", a.pod, act.Kind, act.Container, errs[i])
			continue
		}
		count := 0
		switch {
		case act.Kind == StartSandbox || act.Kind == RecreateSandbox:
			a.state.SandboxRestarts++
			count = a.state.SandboxRestarts
		case act.Restart:
			a.state.Restarts[act.Container]++
			count = a.state.Restarts[act.Container]
		default:
			count = a.state.Restarts[act.Container]
		}
		log.Printf("pod %s: %s %s: %s (restarts: %d)", a.pod, act.Kind, act.Container, act.Reason, count)
	}
	a.state.PostStarted = map[string]Run{}
	for name, inc := range a.hooks.Done() {
		a.state.PostStarted[name] = Run{inc.id, inc.started}
	}
	a.postStarted.save(a.state.PostStarted)
	if err := writeJSON(a.statePath(), a.state); err != nil {
		log.Printf("pod %s: writing state: %v", a.pod, err)
	}
	if len(acts) == 0 {
		// The status is written from a settled view only: after actions, the next round writes it.
		if err := writeJSON(a.statusPath(), a.status(p, waits, now)); err != nil {
			log.Printf("pod %s: writing status: %v", a.pod, err)
		}
	}
	return len(acts) > 0, nil
}

func (a *Agent) do(ctx context.Context, act Action, cs podContainers, sandboxID, podIP string, ord *termination) error {
	member := func() string { return cs.members[act.Container].ID }
	switch act.Kind {
	case StartSandbox:
		return a.cli.ContainerStart(ctx, sandboxID, startOptions)
	case RecreateSandbox:
		s := a.state.Snapshots["sandbox"]
		_, err := create(ctx, a.cli, s.Name, s.Config, s.HostConfig)
		return err
	case StartMember, StartInit:
		id := member()
		return a.cli.ContainerStart(ctx, id, startOptions)
	case RestartMember:
		// Cut off from its pod's network already: its preStop hook and stop get repairGrace together.
		id := member()
		if k := a.killer(podIP).kill(ctx, act.Container, id, repairGrace, nil); k.Err != nil {
			return k.Err
		}
		a.sawEnd(ctx, act.Container, id)
		return a.cli.ContainerStart(ctx, id, startOptions)
	case StopMember:
		// The pod is done with it (a sidecar after the app, a pod that is not restarted): the kubelet's
		// killContainer with the pod's grace, sidecars after the app containers of the same round
		// and in reverse order (terminate.go).
		k := a.killer(podIP).kill(ctx, act.Container, member(), a.grace, ord)
		log.Printf("pod %s: %s", a.pod, k)
		return k.Err
	case RecreateMember, RecreateInit:
		// From the container itself while it exists, else from the last snapshot of it.
		s, ok := a.state.Snapshots[act.Container]
		if c, exists := cs.members[act.Container]; exists {
			s, ok = snapshotOf(c), true
			a.sawEnd(ctx, act.Container, c.ID)
			if err := a.cli.ContainerRemove(ctx, c.ID, removeOptions); err != nil && !client.IsErrNotFound(err) {
				return err
			}
		}
		if !ok {
			return fmt.Errorf("no snapshot of %s to make it again", act.Container)
		}
		cfg, hc := joinTo(s, sandboxID)
		_, err := create(ctx, a.cli, s.Name, cfg, hc)
		return err
	}
	return fmt.Errorf("unknown action %s", act.Kind)
}

// killer stops the pod's containers: their preStop hooks to the pod's IP, Docker's stop.
func (a *Agent) killer(podIP string) killer {
	return killer{
		preStop: func(ctx context.Context, name, id string, grace time.Duration) bool {
			return a.hooks.PreStop(ctx, name, id, podIP, grace)
		},
		stop: func(ctx context.Context, id string, grace time.Duration) error {
			// Gone already (removed meanwhile) is stopped, as the kubelet takes a NotFound.
			if err := stop(ctx, a.cli, id, grace); err != nil && !client.IsErrNotFound(err) {
				return err
			}
			return nil
		},
	}
}

// initializedIn says whether the pod is initialized in the sandbox life: every init container
// completed in it, or an app container has started in it (the kubelet runs no init container again
// once an app container has a status in the current sandbox).
func (a *Agent) initializedIn(life string, observed map[string]*Observed) bool {
	for _, name := range a.members {
		if h := a.state.History[name]; h != nil && h.RunLife == life {
			return true
		}
	}
	for _, name := range a.inits {
		h := a.state.History[name]
		// A sidecar is done once its current run in this life has started: startup probe passed,
		// postStart hook completed (the kubelet waits for it to start, not to end).
		if a.sidecars[name] && h != nil && h.RunLife == life && a.started(name, observed[name]) {
			continue
		}
		if !h.CompletedIn(life) {
			return false
		}
	}
	return true
}

// sidecarList is the sidecars in spec order.
func (a *Agent) sidecarList() []string {
	var out []string
	for _, name := range a.inits {
		if a.sidecars[name] {
			out = append(out, name)
		}
	}
	return out
}

// sawEnd records how a container's run ended, read just after the agent stopped it and before it is
// started again or removed: otherwise that end would be lost to its status history.
func (a *Agent) sawEnd(ctx context.Context, name, id string) {
	if c, err := a.cli.ContainerInspect(ctx, id); err == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		h := a.history(name)
		o := observe(c)
		if o.ID == h.RunID && o.StartedAt.Equal(h.RunStarted) {
			h.Saw(o, h.RunLife)
		}
	}
}
