package main

import "testing"

func TestMaskReplacesEveryValueLongestFirst(t *testing.T) {
	m := newMasker("s3cr$t\nab\ns3cr$t-and-more\nczNjciR0\n")
	got := m.mask("could not connect to postgres://app:s3cr$t-and-more@db/app (s3cr$t, czNjciR0, ab)")
	if want := "could not connect to postgres://app:***@db/app (***, ***, ab)"; got != want {
		t.Fatalf("got %q", got)
	}
	if got := newMasker("").mask("nothing"); got != "nothing" {
		t.Fatalf("empty list: %q", got)
	}
}
