package main

import (
	"net"
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

func TestLoadEnvMakesTheVariablesInOrder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "env")
	// As podlab writes them: a literal set early (its place) that reads a field set later, and one that
	// reads it; what was known is already expanded and escaped.
	body := `{"env":[{"name":"PODLAB_T_PASS","value":"line1\nline2"},{"name":"PODLAB_T_E","value":""},
		{"name":"PODLAB_T_URL","expand":"x://$(PODLAB_T_ADDR)/$$(PODLAB_T_LATER)"},{"name":"PODLAB_T_IP","field":"status.podIP"},
		{"name":"PODLAB_T_ADDR","expand":"$(PODLAB_T_IP):1$$"},{"name":"PODLAB_T_LATER","value":"1"}]}`
	if err := os.WriteFile(file, []byte(body), 0o444); err != nil {
		t.Fatal(err)
	}
	names, err := loadEnv(file)
	if err != nil {
		t.Fatal(err)
	}
	if !names["PODLAB_T_PASS"] || !names["PODLAB_T_URL"] || names["PATH"] {
		t.Errorf("names = %v", names)
	}
	if v := os.Getenv("PODLAB_T_PASS"); v != "line1\nline2" {
		t.Errorf("PODLAB_T_PASS = %q", v)
	}
	if v, ok := os.LookupEnv("PODLAB_T_E"); !ok || v != "" {
		t.Errorf("PODLAB_T_E = %q, %v", v, ok)
	}
	ip := os.Getenv("PODLAB_T_IP")
	if net.ParseIP(ip) == nil {
		t.Errorf("PODLAB_T_IP = %q", ip)
	}
	if v := os.Getenv("PODLAB_T_ADDR"); v != ip+":1$" {
		t.Errorf("PODLAB_T_ADDR = %q", v)
	}
	// Whatever its place in the file, after what it reads.
	if v := os.Getenv("PODLAB_T_URL"); v != "x://"+ip+":1$/$(PODLAB_T_LATER)" {
		t.Errorf("PODLAB_T_URL = %q", v)
	}
	if _, err := loadEnv(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file is no error")
	}
}

func TestDefaultGatewayFromTheRouteTable(t *testing.T) {
	table := filepath.Join(t.TempDir(), "route")
	body := "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth0\t0011AC0A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n" +
		"eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	if err := os.WriteFile(table, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if gw, err := defaultGateway(table); err != nil || gw != "172.17.0.1" {
		t.Fatalf("gateway %q, %v", gw, err)
	}
}
