package main

// The kubelet's crash-loop back-off (k8s.io/client-go/util/flowcontrol.Backoff as the kubelet sets it
// up in pkg/kubelet/kubelet.go: backOffPeriod 10s, MaxContainerBackOff 300s): a container that keeps
// exiting is restarted at once the first time, then after 10s, 20s, 40s ... up to 5 minutes; an
// entry older than twice the maximum (10 minutes without a crash) is forgotten, so a container that
// ran that long starts over at once.

import (
	"strconv"
	"time"
)

const (
	backOffInitial = 10 * time.Second
	backOffMax     = 300 * time.Second
)

type backOffEntry struct {
	Delay      time.Duration `json:"delaySeconds"`
	LastUpdate time.Time     `json:"lastUpdate"`
}

// BackOff is the book of crash-looping containers, by name. It is kept in the agent's state file.
type BackOff struct {
	Entries map[string]*backOffEntry `json:"entries"`
}

func NewBackOff() *BackOff { return &BackOff{Entries: map[string]*backOffEntry{}} }

func expired(e *backOffEntry, eventTime time.Time) bool {
	return eventTime.Sub(e.LastUpdate) > 2*backOffMax
}

// InBackOff reports whether a container that exited at finishedAt must still wait, and until when
// (flowcontrol.Backoff.IsInBackOffSince).
func (b *BackOff) InBackOff(name string, finishedAt, now time.Time) (time.Time, bool) {
	e := b.Entries[name]
	if e == nil || expired(e, finishedAt) {
		return time.Time{}, false
	}
	until := finishedAt.Add(e.Delay)
	return until, now.Before(until)
}

// Next records a restart of a container that exited at finishedAt (flowcontrol.Backoff.Next).
func (b *BackOff) Next(name string, finishedAt time.Time) {
	e := b.Entries[name]
	if e == nil || expired(e, finishedAt) {
		b.Entries[name] = &backOffEntry{Delay: backOffInitial, LastUpdate: finishedAt}
		return
	}
	e.Delay *= 2
	if e.Delay > backOffMax {
		e.Delay = backOffMax
	}
	e.LastUpdate = finishedAt
}

// Forget drops the entry of a container that has been running for longer than twice the maximum.
func (b *BackOff) Forget(name string, startedAt, now time.Time) {
	if e := b.Entries[name]; e != nil && now.Sub(startedAt) > 2*backOffMax {
		delete(b.Entries, name)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
