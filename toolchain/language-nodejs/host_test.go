package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResourcePackages(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "node_modules")
	writeFile(t, filepath.Join(nm, "@pulumi/docker/package.json"),
		`{"name":"@pulumi/docker","version":"5.0.0","pulumi":{"resource":true,"name":"docker","version":"5.0.0"}}`)
	// Old-style block: plugin name and version come from the package itself.
	writeFile(t, filepath.Join(nm, "@pulumi/random/package.json"),
		`{"name":"@pulumi/random","version":"v4.1.0","pulumi":{"resource":true}}`)
	// Nested copy with another version, and a duplicate of docker that must be reported once.
	writeFile(t, filepath.Join(nm, "lib/package.json"), `{"name":"lib","version":"1.0.0"}`)
	writeFile(t, filepath.Join(nm, "lib/node_modules/@pulumi/command/package.json"),
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true,"name":"command","version":"1.2.1","server":"https://example.com"}}`)
	writeFile(t, filepath.Join(nm, "lib/node_modules/@pulumi/docker/package.json"),
		`{"name":"@pulumi/docker","version":"5.0.0","pulumi":{"resource":true,"name":"docker","version":"5.0.0"}}`)
	// Not plugins, or unreadable: ignored.
	writeFile(t, filepath.Join(nm, "@pulumi/pulumi/package.json"), `{"name":"@pulumi/pulumi","pulumi":{"comment":"x"}}`)
	writeFile(t, filepath.Join(nm, "broken/package.json"), `{not json`)
	writeFile(t, filepath.Join(nm, ".package-lock.json"), `{}`)

	// Asked from a sub-folder: node_modules is found in a parent, as Node would.
	sub := filepath.Join(root, "stacks", "dev")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	pkgs, err := resourcePackages(sub)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"command@1.2.1 https://example.com", "docker@5.0.0 ", "random@4.1.0 "}
	if len(pkgs) != len(want) {
		t.Fatalf("got %v, want %v", pkgs, want)
	}
	for i, p := range pkgs {
		if got := p.Name + "@" + p.Version + " " + p.Server; got != want[i] || p.Kind != "resource" {
			t.Errorf("package %d: got %q (kind %q), want %q", i, got, p.Kind, want[i])
		}
	}
}

func TestFindSDK(t *testing.T) {
	root := t.TempDir()
	if _, err := findSDK(root, "cmd/run"); err == nil {
		t.Fatal("expected an error without node_modules")
	}
	writeFile(t, filepath.Join(root, "node_modules/@pulumi/pulumi/cmd/run/index.js"), "")
	got, err := findSDK(filepath.Join(root, "a", "b"), "cmd/run")
	if err != nil || got != filepath.Join(root, "node_modules/@pulumi/pulumi/cmd/run") {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestRunResponse(t *testing.T) {
	exit := func(code string) error { return exec.Command("sh", "-c", "exit "+code).Run() }
	if r := runResponse(nil); r.Error != "" || r.Bail {
		t.Errorf("success: %v", r)
	}
	if r := runResponse(exit("32")); !r.Bail || r.Error != "" {
		t.Errorf("exit 32 must bail: %v", r)
	}
	if r := runResponse(exit("3")); r.Bail || r.Error != "Program exited with non-zero exit code: 3" {
		t.Errorf("exit 3: %v", r)
	}
}

func TestNewProgram(t *testing.T) {
	opts, err := structpb.NewStruct(map[string]any{"typescript": false, "nodeargs": "--max-old-space-size=4096 --trace-warnings"})
	if err != nil {
		t.Fatal(err)
	}
	p := newProgram(&pulumirpc.ProgramInfo{RootDirectory: "/r", ProgramDirectory: "/r/p", EntryPoint: "main.js", Options: opts}, "/ignored", "")
	if p.dir != "/r/p" || p.root != "/r" || p.entry != "main.js" || p.typescript || len(p.nodeArgs) != 2 {
		t.Errorf("unexpected %+v", p)
	}
	// No ProgramInfo (old callers): deprecated fields, TypeScript on, entry point ".".
	p = newProgram(nil, "/old", "")
	if p.dir != "/old" || p.entry != "." || !p.typescript {
		t.Errorf("unexpected %+v", p)
	}
}
