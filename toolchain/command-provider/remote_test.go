package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

// These tests run command:remote:Command against an in-process SSH server on 127.0.0.1, which
// runs each exec request with `sh -c` on this machine, as sshd would with the user's login shell.

const remoteURN = "urn:pulumi:dev::proj::command:remote:Command::r"

// testKey is an ed25519 key pair: the signer, the private key in PEM, the public key as an
// authorized_keys line.
type testKey struct {
	signer ssh.Signer
	pem    string
	line   string
}

func newTestKey(t *testing.T) testKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return testKey{signer, string(pem.EncodeToMemory(block)),
		strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))}
}

type sshServer struct {
	t         *testing.T
	config    *ssh.ServerConfig
	hostKey   testKey
	clientKey testKey
	port      int

	mu      sync.Mutex
	execs   []string // commands received
	refused []string // other session requests (env, ...), which it refuses like a stock sshd
}

func newSSHServer(t *testing.T) *sshServer {
	return newSSHServerWith(t, newTestKey(t), newTestKey(t))
}

// newSSHServerWith is a server with the given host key, accepting the given client key.
func newSSHServerWith(t *testing.T, hostKey, clientKey testKey) *sshServer {
	s := &sshServer{t: t, hostKey: hostKey, clientKey: clientKey}
	s.config = &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(s.clientKey.signer.PublicKey().Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	s.config.AddHostKey(s.hostKey.signer)
	return s
}

// startSSHServer serves on a fresh port of 127.0.0.1.
func startSSHServer(t *testing.T) *sshServer {
	return listen(t, newSSHServer(t))
}

func listen(t *testing.T, s *sshServer) *sshServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	s.serve(l)
	return s
}

func (s *sshServer) serve(l net.Listener) {
	s.t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go s.handle(conn)
		}
	}()
}

func (s *sshServer) handle(nc net.Conn) {
	conn, chans, reqs, err := ssh.NewServerConn(nc, s.config)
	if err != nil {
		_ = nc.Close()
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, chReqs, err := nch.Accept()
		if err != nil {
			return
		}
		go s.session(ch, chReqs)
	}
}

func (s *sshServer) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	for req := range reqs {
		if req.Type != "exec" {
			s.mu.Lock()
			s.refused = append(s.refused, req.Type)
			s.mu.Unlock()
			_ = req.Reply(false, nil)
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			_ = req.Reply(false, nil)
			continue
		}
		_ = req.Reply(true, nil)
		s.mu.Lock()
		s.execs = append(s.execs, payload.Command)
		s.mu.Unlock()
		go func() {
			defer ch.Close()
			cmd := exec.Command("/bin/sh", "-c", payload.Command)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
			cmd.WaitDelay = time.Second
			status := 0
			var exitErr *exec.ExitError
			if err := cmd.Run(); errors.As(err, &exitErr) {
				status = exitErr.ExitCode()
			} else if err != nil {
				status = 255
			}
			_ = ch.CloseWrite()
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
		}()
	}
}

func (s *sshServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.execs...)
}

// connection is a connection input for this server; kv overrides or adds fields (nil removes).
func (s *sshServer) connection(kv ...any) map[string]any {
	m := map[string]any{
		"host": "127.0.0.1", "port": float64(s.port), "user": "tester",
		"privateKey": s.clientKey.pem, "hostKey": s.hostKey.line,
		"dialErrorLimit": 10.0, "perDialTimeout": 5.0,
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

// statusLines is a provider whose status lines are recorded.
type statusLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *statusLines) provider() *provider {
	p := newProvider()
	p.onStatus = func(_, msg string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, msg)
	}
	return p
}

func (l *statusLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func remoteCreate(t *testing.T, p *provider, in resource.PropertyMap) (resource.PropertyMap, error) {
	t.Helper()
	resp, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: remoteURN, Name: "r", Properties: props(t, in)})
	if err != nil {
		return nil, err
	}
	return decode(t, resp.Properties), nil
}

func mustRemoteCreate(t *testing.T, in resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	out, err := remoteCreate(t, newProvider(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func noAgent(t *testing.T) { t.Setenv("SSH_AUTH_SOCK", "") }

func TestRemoteCreateRunsCommand(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	var status statusLines
	out, err := remoteCreate(t, status.provider(), inputs("create", "echo hello; echo oops >&2", "connection", s.connection()))
	if err != nil {
		t.Fatal(err)
	}
	if out["stdout"].StringValue() != "hello" || out["stderr"].StringValue() != "oops" {
		t.Errorf("outputs %v", out)
	}
	if got := s.commands(); len(got) != 1 || got[0] != "echo hello; echo oops >&2" {
		t.Errorf("server ran %q", got)
	}
	if lines := status.String(); !strings.Contains(lines, "hello") || !strings.Contains(lines, "oops") {
		t.Errorf("status lines %q", lines)
	}
	if !out["connection"].IsSecret() || out["create"].IsSecret() {
		t.Errorf("connection should be secret, create not: %v", out)
	}

	var quiet statusLines
	if _, err := remoteCreate(t, quiet.provider(), inputs("create", "echo hello; echo oops >&2", "logging", "stderr",
		"connection", s.connection())); err != nil {
		t.Fatal(err)
	}
	if lines := quiet.String(); lines != "oops" {
		t.Errorf("with logging=stderr the status lines are %q", lines)
	}
}

func TestRemoteEnvironmentIsNotInterpreted(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	tricky := `it's "quoted" $(echo pwned) ` + "`echo pwned` $HOME \\ '' ; exit 7\nsecond line"
	out := mustRemoteCreate(t, inputs("create", `printf '%s|%s' "$TRICKY" "$PLAIN"`,
		"environment", map[string]any{"TRICKY": tricky, "PLAIN": "x"}, "connection", s.connection()))
	if got := out["stdout"].StringValue(); got != tricky+"|x" {
		t.Errorf("stdout %q, want %q", got, tricky+"|x")
	}
	if len(s.refused) != 0 {
		t.Errorf("the provider sent requests sshd refuses by default: %v", s.refused)
	}
}

func TestRemoteStdin(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	out := mustRemoteCreate(t, inputs("create", "cat; echo done", "stdin", "line1\nline2\n", "connection", s.connection()))
	if got := out["stdout"].StringValue(); got != "line1\nline2\ndone" {
		t.Errorf("stdout %q", got)
	}
}

func TestRemoteFailureReportsOutput(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	var status statusLines
	_, err := remoteCreate(t, status.provider(), inputs("create", "echo to-stdout; echo to-stderr >&2; exit 3",
		"environment", map[string]any{"TOKEN": "env-s3cret"},
		"connection", s.connection("password", "pw-s3cret")))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"status 3", "to-stdout", "to-stderr", "tester@127.0.0.1:" + strconv.Itoa(s.port)} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	for _, secret := range []string{"PRIVATE KEY", "pw-s3cret", "env-s3cret"} {
		if strings.Contains(msg, secret) || strings.Contains(status.String(), secret) {
			t.Errorf("%q leaked into the error or status lines: %v\n%s", secret, err, status.String())
		}
	}
}

func TestRemoteWrongHostKeyRunsNothing(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	other := newTestKey(t)
	start := time.Now()
	_, err := remoteCreate(t, newProvider(), inputs("create", "echo ran", "connection", s.connection("hostKey", other.line)))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"host key mismatch", ssh.FingerprintSHA256(other.signer.PublicKey()), ssh.FingerprintSHA256(s.hostKey.signer.PublicKey()),
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if got := s.commands(); len(got) != 0 {
		t.Errorf("server ran %q", got)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("a host key mismatch was retried (%s)", time.Since(start))
	}
}

func TestRemoteCheck(t *testing.T) {
	s := newSSHServer(t) // only its keys are used
	s.port = 22
	encrypted := func() string {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("pass"))
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(block))
	}()
	check := func(in resource.PropertyMap) *pulumirpc.CheckResponse {
		t.Helper()
		resp, err := newProvider().Check(ctx, &pulumirpc.CheckRequest{Urn: remoteURN, News: props(t, in)})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	cases := []struct {
		name     string
		in       resource.PropertyMap
		property string
		reason   string
	}{
		{"valid", inputs("create", "true", "connection", s.connection()), "", ""},
		{"no connection", inputs("create", "true"), "connection", "connection is required"},
		{"no hostKey", inputs("connection", s.connection("hostKey", nil)), "connection.hostKey",
			"connection.hostKey is required: podlab pins SSH host keys"},
		{"bad hostKey", inputs("connection", s.connection("hostKey", "ssh-ed25519 not-a-key")), "connection.hostKey",
			"connection.hostKey does not parse as an SSH public key in authorized_keys format"},
		{"no host", inputs("connection", s.connection("host", nil)), "connection.host", "connection.host is required"},
		{"proxy", inputs("connection", s.connection("proxy", map[string]any{"host": "bastion"})), "connection.proxy",
			"connection.proxy is not supported"},
		{"port type", inputs("connection", s.connection("port", "22")), "connection.port", "connection.port must be a number, got string"},
		{"port range", inputs("connection", s.connection("port", 70000.0)), "connection.port", "connection.port must be a port number"},
		{"encrypted key", inputs("connection", s.connection("privateKey", encrypted)), "connection.privateKey",
			"connection.privateKey is encrypted: set connection.privateKeyPassword"},
		{"bad key", inputs("connection", s.connection("privateKey", "garbage")), "connection.privateKey",
			"connection.privateKey does not parse as a private key"},
		{"env name", inputs("connection", s.connection(), "environment", map[string]any{"A-B": "x"}), "environment",
			`environment variable name "A-B" cannot be passed to the remote shell`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := check(c.in)
			if c.property == "" {
				if len(resp.Failures) > 0 {
					t.Fatalf("failures %v", resp.Failures)
				}
				return
			}
			if len(resp.Failures) != 1 || resp.Failures[0].Property != c.property ||
				!strings.HasPrefix(resp.Failures[0].Reason, c.reason) {
				t.Fatalf("failures %v", resp.Failures)
			}
			if strings.Contains(resp.Failures[0].Reason, "PRIVATE KEY") {
				t.Errorf("the key leaked into %q", resp.Failures[0].Reason)
			}
		})
	}

	encryptedOK := check(inputs("connection", s.connection("privateKey", encrypted, "privateKeyPassword", "pass")))
	if len(encryptedOK.Failures) > 0 {
		t.Errorf("failures %v", encryptedOK.Failures)
	}
	// During a preview the connection may not be known yet.
	unknown := inputs("create", "true")
	unknown["connection"] = resource.MakeComputed(resource.NewStringProperty(""))
	if resp := check(unknown); len(resp.Failures) > 0 {
		t.Errorf("failures %v", resp.Failures)
	}
}

func TestRemoteDeleteGetsPreviousOutput(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	seen := filepath.Join(t.TempDir(), "seen")
	state := mustRemoteCreate(t, inputs("create", "echo first; echo err >&2", "connection", s.connection(),
		"delete", `printf '%s|%s' "$PULUMI_COMMAND_STDOUT" "$PULUMI_COMMAND_STDERR" > `+seen))
	if _, err := newProvider().Delete(ctx, &pulumirpc.DeleteRequest{Urn: remoteURN, Properties: props(t, state)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(seen); string(b) != "first|err" {
		t.Errorf("delete saw %q", b)
	}

	state["addPreviousOutputInEnv"] = resource.NewBoolProperty(false)
	if _, err := newProvider().Delete(ctx, &pulumirpc.DeleteRequest{Urn: remoteURN, Properties: props(t, state)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(seen); string(b) != "|" {
		t.Errorf("with addPreviousOutputInEnv=false delete saw %q", b)
	}
}

// closedPort points the server at a port nothing listens on (yet): connections are refused.
func closedPort(t *testing.T, s *sshServer) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
}

func TestRemoteDialRetriesUntilTheServerStarts(t *testing.T) {
	noAgent(t)
	s := newSSHServer(t)
	closedPort(t, s)
	started := make(chan error, 1)
	go func() {
		time.Sleep(time.Second)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(s.port))
		if err == nil {
			s.serve(l)
		}
		started <- err
	}()
	var status statusLines
	out, err := remoteCreate(t, status.provider(), inputs("create", "echo up", "connection", s.connection()))
	if serr := <-started; serr != nil {
		t.Fatalf("could not listen on the port again: %v", serr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if out["stdout"].StringValue() != "up" {
		t.Errorf("stdout %q", out["stdout"].StringValue())
	}
	if lines := status.String(); !strings.Contains(lines, "attempt 1/10 failed") || !strings.Contains(lines, "connection refused") {
		t.Errorf("status lines %q", lines)
	}
}

func TestRemoteDialGivesUpWithTheLastError(t *testing.T) {
	noAgent(t)
	s := newSSHServer(t)
	closedPort(t, s)
	_, err := remoteCreate(t, newProvider(), inputs("create", "true", "connection", s.connection("dialErrorLimit", 2.0)))
	if err == nil || !strings.Contains(err.Error(), "after 2 attempt(s)") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v", err)
	}
}

func TestRemoteSecretsStaySecret(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	// A client that does not make the connection secret (the npm SDK does): the provider does.
	conn := s.connection("password", "pw-s3cret")
	resp, err := newProvider().Check(ctx, &pulumirpc.CheckRequest{Urn: remoteURN, News: props(t, inputs("create", "echo hi", "connection", conn))})
	if err != nil {
		t.Fatal(err)
	}
	if checked := decode(t, resp.Inputs); !checked["connection"].IsSecret() {
		t.Errorf("Check did not make the connection secret: %v", checked["connection"])
	}
	out := mustRemoteCreate(t, inputs("create", "echo hi", "connection", conn))
	if !out["connection"].IsSecret() {
		t.Errorf("the state's connection is not secret: %v", out["connection"])
	}
	if out["stdout"].IsSecret() {
		t.Errorf("a secret connection alone should not make stdout secret")
	}
	// Marshalled, the credentials only appear inside a secret.
	state := props(t, out)
	b, _ := json.Marshal(state.AsMap()["connection"])
	if !strings.Contains(string(b), resource.SecretSig) {
		t.Errorf("connection marshals without a secret signature: %s", b)
	}

	// A secret elsewhere in the inputs makes the outputs secret, as for local commands.
	in := inputs("create", "echo $TOKEN", "connection", conn)
	in["environment"] = resource.NewObjectProperty(resource.PropertyMap{
		"TOKEN": resource.MakeSecret(resource.NewStringProperty("s3cret")),
	})
	out = mustRemoteCreate(t, in)
	if !out["stdout"].IsSecret() || out["stdout"].SecretValue().Element.StringValue() != "s3cret" {
		t.Errorf("stdout should be a secret holding the token: %v", out["stdout"])
	}
	if !out["environment"].ContainsSecrets() {
		t.Errorf("environment lost its secret: %v", out["environment"])
	}

	// An update that runs nothing keeps the connection secret too.
	news := in.Copy()
	news["connection"] = resource.NewPropertyValue(s.connection("password", "pw-n3w"))
	upd := remoteUpdate(t, newProvider(), out, news)
	if !upd["connection"].IsSecret() {
		t.Errorf("the updated connection is not secret: %v", upd["connection"])
	}
}

func remoteDiff(t *testing.T, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	t.Helper()
	resp, err := newProvider().Diff(ctx, &pulumirpc.DiffRequest{Urn: remoteURN, Olds: props(t, olds), OldInputs: props(t, olds), News: props(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestRemoteDiff(t *testing.T) {
	s := newSSHServer(t)
	s.port = 2222
	secretConn := func(kv ...any) resource.PropertyValue {
		return resource.MakeSecret(resource.NewPropertyValue(s.connection(kv...)))
	}
	base := inputs("create", "echo a", "delete", "echo bye", "triggers", []any{"x"})
	base["connection"] = secretConn()

	moved := base.Copy()
	moved["connection"] = secretConn("port", 2223.0)
	d := remoteDiff(t, base, moved)
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || strings.Join(d.Diffs, ",") != "connection" || len(d.Replaces) > 0 ||
		d.DetailedDiff["connection"].GetKind() != pulumirpc.PropertyDiff_UPDATE || d.DeleteBeforeReplace {
		t.Errorf("connection change: %v", d)
	}

	unknown := base.Copy()
	unknown["connection"] = resource.MakeComputed(resource.NewStringProperty(""))
	if d := remoteDiff(t, base, unknown); len(d.Replaces) > 0 || strings.Join(d.Diffs, ",") != "connection" {
		t.Errorf("unknown connection: %v", d)
	}

	if d := remoteDiff(t, base, base.Copy()); d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("no change: %v", d)
	}

	retriggered := base.Copy()
	retriggered["triggers"] = resource.NewPropertyValue([]any{"y"})
	if d := remoteDiff(t, base, retriggered); strings.Join(d.Replaces, ",") != "triggers" || !d.DeleteBeforeReplace {
		t.Errorf("triggers change: %v", d)
	}

	recreated := base.Copy()
	recreated["create"] = resource.NewStringProperty("echo b")
	if d := remoteDiff(t, base, recreated); strings.Join(d.Replaces, ",") != "create" {
		t.Errorf("create change: %v", d)
	}
}

func remoteUpdate(t *testing.T, p *provider, state, news resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	olds := resource.PropertyMap{}
	for k := range remoteCommandInputs {
		if v, ok := state[resource.PropertyKey(k)]; ok {
			olds[resource.PropertyKey(k)] = v
		}
	}
	resp, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: remoteURN, Olds: props(t, state), OldInputs: props(t, olds), News: props(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp.Properties)
}

func TestRemoteConnectionChangeRunsNothingAndDeleteUsesTheNewOne(t *testing.T) {
	noAgent(t)
	first := startSSHServer(t)
	second := listen(t, newSSHServerWith(t, first.hostKey, first.clientKey)) // the same machine, on another port

	state := mustRemoteCreate(t, inputs("create", "echo created", "delete", "echo deleted", "connection", first.connection()))
	out := remoteUpdate(t, newProvider(), state, inputs("create", "echo created", "delete", "echo deleted", "connection", second.connection()))
	if got := len(first.commands()) + len(second.commands()); got != 1 {
		t.Errorf("the update ran commands: %q %q", first.commands(), second.commands())
	}
	if out["stdout"].StringValue() != "created" {
		t.Errorf("stdout %v", out["stdout"])
	}
	if port := out["connection"].SecretValue().Element.ObjectValue()["port"].NumberValue(); int(port) != second.port {
		t.Errorf("the new connection was not stored: port %v", port)
	}
	if _, err := newProvider().Delete(ctx, &pulumirpc.DeleteRequest{Urn: remoteURN, Properties: props(t, out)}); err != nil {
		t.Fatal(err)
	}
	if got := second.commands(); len(got) != 1 || !strings.HasSuffix(got[0], "\necho deleted") {
		t.Errorf("delete ran %q on the new connection", got)
	}
}

func TestRemoteUpdateRunsUpdateWithPreviousOutput(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	state := mustRemoteCreate(t, inputs("create", "echo one", "update", `echo "was $PULUMI_COMMAND_STDOUT"`,
		"environment", map[string]any{"V": "1"}, "connection", s.connection()))
	out := remoteUpdate(t, newProvider(), state, inputs("create", "echo one", "update", `echo "was $PULUMI_COMMAND_STDOUT, V=$V"`,
		"environment", map[string]any{"V": "2"}, "connection", s.connection()))
	if got := out["stdout"].StringValue(); got != "was one, V=2" {
		t.Errorf("stdout %q", got)
	}
}

func TestRemoteTimeoutStopsWaiting(t *testing.T) {
	noAgent(t)
	s := startSSHServer(t)
	start := time.Now()
	_, err := newProvider().Create(ctx, &pulumirpc.CreateRequest{Urn: remoteURN, Timeout: 0.3,
		Properties: props(t, inputs("create", "echo started; sleep 5", "connection", s.connection()))})
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || !strings.Contains(err.Error(), "started") {
		t.Fatalf("error %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

func TestRemotePreviewDialsNothing(t *testing.T) {
	s := newSSHServer(t) // not listening
	s.port = 1
	resp, err := newProvider().Create(ctx, &pulumirpc.CreateRequest{Urn: remoteURN, Preview: true,
		Properties: props(t, inputs("create", "echo x", "connection", s.connection()))})
	if err != nil {
		t.Fatal(err)
	}
	out := decode(t, resp.Properties)
	if !out["stdout"].IsComputed() || !out["connection"].IsSecret() {
		t.Errorf("preview outputs %v", out)
	}
}

func TestShellQuote(t *testing.T) {
	for _, v := range []string{"", "plain", "it's", "''", `\'`, "$(id) `id` $HOME *", "a\nb"} {
		out, err := exec.Command("/bin/sh", "-c", "printf '%s' "+shellQuote(v)).Output()
		if err != nil || string(out) != v {
			t.Errorf("%q came back as %q (%v)", v, out, err)
		}
	}
}

func TestSchemaDeclaresTheRemoteCommand(t *testing.T) {
	var s struct {
		Resources map[string]struct {
			InputProperties map[string]map[string]any `json:"inputProperties"`
		} `json:"resources"`
		Types map[string]struct {
			Properties map[string]map[string]any `json:"properties"`
			Required   []string                  `json:"required"`
		} `json:"types"`
	}
	if err := json.Unmarshal(schemaJSON(), &s); err != nil {
		t.Fatal(err)
	}
	conn := s.Resources[remoteCommandType].InputProperties["connection"]
	if conn["$ref"] != "#/types/command:remote:Connection" || conn["secret"] != true {
		t.Errorf("connection input %v", conn)
	}
	typ := s.Types["command:remote:Connection"]
	if typ.Properties["privateKey"]["secret"] != true || typ.Properties["hostKey"] == nil ||
		strings.Join(typ.Required, ",") != "host,hostKey" || typ.Properties["proxy"] != nil {
		t.Errorf("connection type %v", typ)
	}
	if _, ok := s.Resources[commandType]; !ok {
		t.Error("the local Command is gone")
	}
}
