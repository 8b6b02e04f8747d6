package main

// A stack's agent keeps several pods: each runs its own sync loop (agent.go) side by side, and the
// commands `status` and `wait` name the pods they are about.

import (
	"context"
	"errors"
	"log"
	"sort"
	"strings"
	"sync"
	"time"
)

// runAll runs every pod's sync loop until the context ends. A loop that fails is logged and started
// again after a pause: one pod's trouble must not leave the others unkept.
func runAll(ctx context.Context, agents []*Agent) {
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Add(1)
		go func(a *Agent) {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := a.Run(ctx); err != nil {
					log.Printf("pod %s: %v; starting its loop again in 2s", a.pod, err)
					select {
					case <-ctx.Done():
					case <-time.After(2 * time.Second):
					}
				}
			}
		}(a)
	}
	wg.Wait()
}

// pick is the agent of `pod`; for a per-pod agent, its one pod when none is named. It fails the
// process, naming the pods it keeps, when there is no such pod.
func pick(agents []*Agent, multi bool, pod string) *Agent {
	if pod == "" && !multi {
		return agents[0]
	}
	for _, a := range agents {
		if a.pod == pod {
			return a
		}
	}
	fail("no pod %q here: this agent keeps %s (status --pod NAME)", pod, podNames(agents))
	return nil
}

// selectPods is the agents of the pods named, in that order; all of them when none is named. It
// fails the process for a pod the agent does not keep.
func selectPods(agents []*Agent, names []string) []*Agent {
	if len(names) == 0 {
		return agents
	}
	var out []*Agent
	for _, n := range names {
		found := false
		for _, a := range agents {
			if a.pod == n {
				out, found = append(out, a), true
			}
		}
		if !found {
			fail("no pod %q here: this agent keeps %s", n, podNames(agents))
		}
	}
	return out
}

func podNames(agents []*Agent) string {
	var names []string
	for _, a := range agents {
		names = append(names, a.pod)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// waitAll waits for every pod at once (see Wait); the error names each pod that is not ready, in
// the order given.
func waitAll(ctx context.Context, agents []*Agent, timeout, minReady time.Duration) error {
	errs := make([]error, len(agents))
	var wg sync.WaitGroup
	for i, a := range agents {
		wg.Add(1)
		go func(i int, a *Agent) {
			defer wg.Done()
			errs[i] = a.Wait(ctx, timeout, minReady)
		}(i, a)
	}
	wg.Wait()
	return errors.Join(errs...)
}
