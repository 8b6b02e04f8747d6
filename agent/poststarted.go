package main

// The container runs whose postStart hook completed, kept in a file on the host (a folder the
// agent's container and its one-shot runs mount), so that a hook runs once per start of a
// container: not again when `podlab-agent init` started a sidecar and the agent takes it over, nor
// when the agent itself is replaced. A run is its container's ID and start time: an entry of a
// container since removed or restarted matches nothing.

import (
	"encoding/json"
	"log"
	"os"
	"path/filepath"
)

// postStartedFile is the file's path; "" keeps nothing.
type postStartedFile string

// load reads the runs by container name; nothing when the file is missing or unreadable.
func (f postStartedFile) load() map[string]Run {
	out := map[string]Run{}
	if f == "" {
		return out
	}
	b, err := os.ReadFile(string(f))
	if err != nil {
		return out
	}
	if err := json.Unmarshal(b, &out); err != nil {
		log.Printf("ignoring unreadable %s: %v", f, err)
	}
	return out
}

// save writes the runs, unless the folder is not there (an agent without the mount).
func (f postStartedFile) save(runs map[string]Run) {
	if f == "" {
		return
	}
	if _, err := os.Stat(filepath.Dir(string(f))); err != nil {
		return
	}
	if err := writeJSON(string(f), runs); err != nil {
		log.Printf("writing %s: %v", f, err)
	}
}

// remove deletes the file: the pod has ended.
func (f postStartedFile) remove() {
	if f != "" {
		_ = os.Remove(string(f))
	}
}
