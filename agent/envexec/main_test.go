package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestExpandAsTheKubelet(t *testing.T) {
	vars := map[string]string{"A": "1", "PASS": "s3cr$t", "EMPTY": ""}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	cases := map[string]string{
		"$(A)":            "1",
		"--p=$(PASS)":     "--p=s3cr$t",
		"$$(A)":           "$(A)",
		"$(MISSING)":      "$(MISSING)",
		"$(EMPTY)x":       "x",
		"$()":             "$()",
		"$(A":             "$(A",
		"a$b":             "a$b",
		"end$":            "end$",
		"$$$$":            "$$",
		"$(A)$(A)-$$PATH": "11-$PATH",
	}
	for in, want := range cases {
		if got := Expand(in, lookup); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadEnvSetsTheFilesVariables(t *testing.T) {
	file := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(file, []byte(`{"env":{"PODLAB_T_PASS":"line1\nline2","PODLAB_T_E":""},"expandWith":["PODLAB_T_PASS","A"]}`), 0o444); err != nil {
		t.Fatal(err)
	}
	names, err := loadEnv(file)
	if err != nil {
		t.Fatal(err)
	}
	if !names["A"] || !names["PODLAB_T_PASS"] || names["PATH"] {
		t.Errorf("names = %v", names)
	}
	if v := os.Getenv("PODLAB_T_PASS"); v != "line1\nline2" {
		t.Errorf("PODLAB_T_PASS = %q", v)
	}
	if v, ok := os.LookupEnv("PODLAB_T_E"); !ok || v != "" {
		t.Errorf("PODLAB_T_E = %q, %v", v, ok)
	}
	if _, err := loadEnv(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file is no error")
	}
}
