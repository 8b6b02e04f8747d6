package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// These tests drive the gRPC methods directly, with real /bin/sh commands, the way the engine
// calls them during up/preview/destroy.

const urn = "urn:pulumi:dev::proj::command:local:Command::cmd"

var ctx = context.Background()

func props(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decode(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := unmarshal(s, true)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func inputs(kv ...any) resource.PropertyMap {
	m := resource.PropertyMap{}
	for i := 0; i < len(kv); i += 2 {
		m[resource.PropertyKey(kv[i].(string))] = resource.NewPropertyValue(kv[i+1])
	}
	return m
}

func create(t *testing.T, in resource.PropertyMap) (string, resource.PropertyMap) {
	t.Helper()
	resp, err := newProvider().Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Name: "cmd", Properties: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Id, decode(t, resp.Properties)
}

func TestCreateRunsCommandAndKeepsInputs(t *testing.T) {
	dir := t.TempDir()
	in := inputs(
		"create", `echo "$GREETING from $(pwd)"; cat; echo oops >&2`,
		"dir", dir,
		"environment", map[string]any{"GREETING": "hi"},
		"stdin", "piped\n",
	)
	id, out := create(t, in)
	if !strings.HasPrefix(id, "cmd") {
		t.Errorf("id %q", id)
	}
	if got, want := out["stdout"].StringValue(), "hi from "+dir+"\npiped"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got := out["stderr"].StringValue(); got != "oops" {
		t.Errorf("stderr %q", got)
	}
	for k, v := range in {
		if !out[k].DeepEquals(v) {
			t.Errorf("input %s not in outputs: %v", k, out[k])
		}
	}
}

func TestCreateWithInterpreter(t *testing.T) {
	// The command is appended as the interpreter's last argument: here it becomes $1.
	_, out := create(t, inputs("create", "not run by a shell", "interpreter", []any{"/bin/sh", "-c", `echo "got: $1"`, "sh"}))
	if got := out["stdout"].StringValue(); got != "got: not run by a shell" {
		t.Errorf("stdout %q", got)
	}
}

func TestCreateFailureReportsOutput(t *testing.T) {
	_, err := newProvider().Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: props(t,
		inputs("create", "echo to-stdout; echo to-stderr >&2; exit 3"))})
	if err == nil || !strings.Contains(err.Error(), "exit status 3") ||
		!strings.Contains(err.Error(), "to-stdout") || !strings.Contains(err.Error(), "to-stderr") {
		t.Fatalf("error %v", err)
	}
}

func TestCreatePreviewRunsNothing(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	resp, err := newProvider().Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Preview: true,
		Properties: props(t, inputs("create", "touch "+marker))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("preview ran the command")
	}
	out := decode(t, resp.Properties)
	if !out["stdout"].IsComputed() || !out["stderr"].IsComputed() {
		t.Errorf("outputs should be unknown in preview: %v", out)
	}
}

func TestBackgroundProcessDoesNotHang(t *testing.T) {
	_, out := create(t, inputs("create", "sleep 3 & echo started"))
	if out["stdout"].StringValue() != "started" {
		t.Errorf("stdout %q", out["stdout"].StringValue())
	}
}

func TestSecretsStaySecret(t *testing.T) {
	in := inputs("create", "echo $TOKEN")
	in["environment"] = resource.NewObjectProperty(resource.PropertyMap{
		"TOKEN": resource.MakeSecret(resource.NewStringProperty("s3cret")),
	})
	_, out := create(t, in)
	if !out["stdout"].IsSecret() || out["stdout"].SecretValue().Element.StringValue() != "s3cret" {
		t.Errorf("stdout should be a secret holding the token: %v", out["stdout"])
	}
	if !out["environment"].ContainsSecrets() {
		t.Errorf("environment lost its secret: %v", out["environment"])
	}
	if out["create"].IsSecret() {
		t.Errorf("create was not secret")
	}
}

func TestDeleteGetsPreviousOutput(t *testing.T) {
	dir := t.TempDir()
	seen := filepath.Join(dir, "seen")
	in := inputs("create", "echo first; echo err >&2", "delete", `printf '%s|%s' "$PULUMI_COMMAND_STDOUT" "$PULUMI_COMMAND_STDERR" > `+seen)
	_, state := create(t, in)
	if _, err := newProvider().Delete(ctx, &pulumirpc.DeleteRequest{Urn: urn, Properties: props(t, state)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(seen); string(b) != "first|err" {
		t.Errorf("delete saw %q", b)
	}

	state["addPreviousOutputInEnv"] = resource.NewBoolProperty(false)
	if _, err := newProvider().Delete(ctx, &pulumirpc.DeleteRequest{Urn: urn, Properties: props(t, state)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(seen); string(b) != "|" {
		t.Errorf("with addPreviousOutputInEnv=false delete saw %q", b)
	}
}

func TestFailingDeleteFails(t *testing.T) {
	_, state := create(t, inputs("create", "true", "delete", "rmdir /nonexistent/dir"))
	_, err := newProvider().Delete(ctx, &pulumirpc.DeleteRequest{Urn: urn, Properties: props(t, state)})
	if err == nil || !strings.Contains(err.Error(), "rmdir") {
		t.Fatalf("error %v", err)
	}
}

func diff(t *testing.T, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	t.Helper()
	resp, err := newProvider().Diff(ctx, &pulumirpc.DiffRequest{Urn: urn, Olds: props(t, olds), OldInputs: props(t, olds), News: props(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDiff(t *testing.T) {
	base := inputs("create", "echo a", "delete", "echo bye", "triggers", []any{"x", 1.0})
	withUpdate := base.Copy()
	withUpdate["update"] = resource.NewStringProperty("echo upd")
	set := func(m resource.PropertyMap, k string, v any) resource.PropertyMap {
		m = m.Copy()
		if v == nil {
			delete(m, resource.PropertyKey(k))
		} else {
			m[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
		return m
	}
	unknown := base.Copy()
	unknown["create"] = resource.MakeComputed(resource.NewStringProperty(""))

	cases := []struct {
		name          string
		olds, news    resource.PropertyMap
		changed       []string
		replaces      []string
		kind          pulumirpc.PropertyDiff_Kind
		deleteFirst   bool
		expectChanges bool
	}{
		{"no change", base, base.Copy(), nil, nil, 0, false, false},
		{"create without update replaces", base, set(base, "create", "echo b"), []string{"create"}, []string{"create"}, pulumirpc.PropertyDiff_UPDATE_REPLACE, true, true},
		{"create with update updates", withUpdate, set(withUpdate, "create", "echo b"), []string{"create"}, nil, pulumirpc.PropertyDiff_UPDATE, false, true},
		{"delete only updates", base, set(base, "delete", "echo ciao"), []string{"delete"}, nil, pulumirpc.PropertyDiff_UPDATE, false, true},
		{"triggers replace even with update", withUpdate, set(withUpdate, "triggers", []any{"y", 1.0}), []string{"triggers"}, []string{"triggers"}, pulumirpc.PropertyDiff_UPDATE_REPLACE, true, true},
		{"environment added replaces", base, set(base, "environment", map[string]any{"A": "b"}), []string{"environment"}, []string{"environment"}, pulumirpc.PropertyDiff_ADD_REPLACE, true, true},
		{"dir removed with update", set(withUpdate, "dir", "/tmp"), withUpdate, []string{"dir"}, nil, pulumirpc.PropertyDiff_DELETE, false, true},
		{"unknown create replaces", base, unknown, []string{"create"}, []string{"create"}, pulumirpc.PropertyDiff_UPDATE_REPLACE, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := diff(t, c.olds, c.news)
			if (d.Changes == pulumirpc.DiffResponse_DIFF_SOME) != c.expectChanges {
				t.Errorf("changes %v", d.Changes)
			}
			if strings.Join(d.Diffs, ",") != strings.Join(c.changed, ",") || strings.Join(d.Replaces, ",") != strings.Join(c.replaces, ",") {
				t.Errorf("diffs %v replaces %v", d.Diffs, d.Replaces)
			}
			if d.DeleteBeforeReplace != c.deleteFirst {
				t.Errorf("deleteBeforeReplace %v", d.DeleteBeforeReplace)
			}
			if len(c.changed) > 0 && d.DetailedDiff[c.changed[0]].GetKind() != c.kind {
				t.Errorf("kind %v, want %v", d.DetailedDiff[c.changed[0]].GetKind(), c.kind)
			}
		})
	}
}

func TestSecretnessAloneIsNoChange(t *testing.T) {
	base := inputs("create", "echo a")
	secret := resource.PropertyMap{"create": resource.MakeSecret(resource.NewStringProperty("echo a"))}
	if d := diff(t, base, secret); d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("diff %v", d.Diffs)
	}
}

func update(t *testing.T, state, news resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	olds := resource.PropertyMap{}
	for k := range commandInputs {
		if v, ok := state[resource.PropertyKey(k)]; ok {
			olds[resource.PropertyKey(k)] = v
		}
	}
	resp, err := newProvider().Update(ctx, &pulumirpc.UpdateRequest{Urn: urn, Olds: props(t, state), OldInputs: props(t, olds), News: props(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp.Properties)
}

func TestUpdateDeleteOnlyRunsNothing(t *testing.T) {
	count := filepath.Join(t.TempDir(), "count")
	in := inputs("create", "echo x >> "+count+"; echo created", "delete", "true")
	_, state := create(t, in)
	out := update(t, state, inputs("create", "echo x >> "+count+"; echo created", "delete", "echo changed"))
	if b, _ := os.ReadFile(count); string(b) != "x\n" {
		t.Errorf("create ran again: %q", b)
	}
	if out["stdout"].StringValue() != "created" || out["delete"].StringValue() != "echo changed" {
		t.Errorf("outputs %v", out)
	}
}

func TestUpdateRunsUpdateWithPreviousOutput(t *testing.T) {
	in := inputs("create", "echo one", "update", `echo "was $PULUMI_COMMAND_STDOUT"`, "environment", map[string]any{"V": "1"})
	_, state := create(t, in)
	out := update(t, state, inputs("create", "echo one", "update", `echo "was $PULUMI_COMMAND_STDOUT, V=$V"`, "environment", map[string]any{"V": "2"}))
	if got := out["stdout"].StringValue(); got != "was one, V=2" {
		t.Errorf("stdout %q", got)
	}
}

func TestCheckValidatesTypes(t *testing.T) {
	p := newProvider()
	resp, err := p.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, News: props(t,
		inputs("create", 42.0, "interpreter", []any{"sh", true}, "logging", "loud", "triggers", []any{1.0, "a"}, "environment", map[string]any{"A": "b"}))})
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, f := range resp.Failures {
		bad = append(bad, f.Property)
	}
	if strings.Join(bad, ",") != "create,interpreter,logging" {
		t.Errorf("failures %v", resp.Failures)
	}
	if _, err := p.Check(ctx, &pulumirpc.CheckRequest{Urn: "urn:pulumi:dev::proj::command:remote:CopyToRemote::x"}); err == nil {
		t.Error("unknown type accepted")
	}
}

func TestAssetsAndArchive(t *testing.T) {
	dir := t.TempDir()
	_, out := create(t, inputs("create", "mkdir -p src && touch src/a.js src/secret.js src/b.txt top.js",
		"dir", dir, "assetPaths", []any{"src/**.js", "!**secret.*"}, "archivePaths", []any{"*.js"}))
	assets := out["assets"].ObjectValue()
	if len(assets) != 1 || !assets["src/a.js"].IsAsset() {
		t.Errorf("assets %v", assets)
	}
	if !out["archive"].IsArchive() || len(out["archive"].ArchiveValue().Assets) != 1 {
		t.Errorf("archive %v", out["archive"])
	}
}

func TestInvokeRun(t *testing.T) {
	resp, err := newProvider().Invoke(ctx, &pulumirpc.InvokeRequest{Tok: runFunction, Args: props(t, inputs("command", "echo ran"))})
	if err != nil {
		t.Fatal(err)
	}
	if out := decode(t, resp.Return); out["stdout"].StringValue() != "ran" {
		t.Errorf("outputs %v", out)
	}
}

func TestBriefShowsTheFirstLineOfAScript(t *testing.T) {
	if got := brief("set -- create\n# a long script\nexit 1"); got != "set -- create …" {
		t.Fatalf("brief = %q", got)
	}
	if got := brief("echo hi"); got != "echo hi" {
		t.Fatalf("brief = %q", got)
	}
}
