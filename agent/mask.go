package main

// Secret values in the text the agent hands to `pulumi up` (the readiness gate's failure, with the
// containers' last log lines): the gate passes them as PODLAB_MASK, one per line
// (components/docker/masks.ts says which), and each is replaced by *** as plain text.

import (
	"sort"
	"strings"
)

// minMasked is the shortest value masked (masks.ts MIN_MASKED_LENGTH).
const minMasked = 3

// masker replaces each of its values in a text.
type masker struct{ values []string }

// newMasker reads a newline-separated list of values, longest first.
func newMasker(list string) masker {
	var values []string
	for _, v := range strings.Split(list, "\n") {
		if v = strings.TrimSuffix(v, "\r"); len(v) >= minMasked {
			values = append(values, v)
		}
	}
	sort.SliceStable(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	return masker{values}
}

// mask is s with every value replaced by ***.
func (m masker) mask(s string) string {
	for _, v := range m.values {
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}
