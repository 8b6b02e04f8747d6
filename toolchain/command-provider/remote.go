package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// --- command:remote:Command: a command run over SSH ------------------------------------------

// connection is how to reach the remote host, read from the (secret-free) `connection` input.
// It prints as user@host:port only, so it can go into status lines and errors: the credentials
// never do.
type connection struct {
	host, user         string
	port               int
	password           string
	hasPassword        bool
	privateKey         string
	privateKeyPassword string
	hasKeyPassword     bool
	agentSocketPath    string
	hostKey            ssh.PublicKey
	dialErrorLimit     int           // attempts; -1: unlimited
	perDialTimeout     time.Duration // for each attempt; 0: no limit
}

func (c *connection) address() string  { return net.JoinHostPort(c.host, strconv.Itoa(c.port)) }
func (c *connection) String() string   { return c.user + "@" + c.address() }
func (c *connection) GoString() string { return c.String() }

// connectionFrom reads the connection from a resource's inputs or state, with upstream's defaults
// (port 22, user root, 10 dial attempts of at most 15 s each). Check has validated it already;
// the state a Delete gets is checked again, with the same messages.
func connectionFrom(in resource.PropertyMap) (*connection, error) {
	v := in["connection"]
	if !v.IsObject() {
		return nil, errors.New("connection is required")
	}
	if failures := validateConnection(v); len(failures) > 0 {
		reasons := make([]string, len(failures))
		for i, f := range failures {
			reasons[i] = f.Reason
		}
		return nil, errors.New(strings.Join(reasons, "; "))
	}
	m := v.ObjectValue()
	text := func(name string) (string, bool) {
		if f := m[resource.PropertyKey(name)]; f.IsString() {
			return f.StringValue(), true
		}
		return "", false
	}
	number := func(name string, def int) int {
		if f := m[resource.PropertyKey(name)]; f.IsNumber() {
			return int(f.NumberValue())
		}
		return def
	}
	c := &connection{
		user:           "root",
		port:           number("port", 22),
		dialErrorLimit: number("dialErrorLimit", 10),
		perDialTimeout: time.Duration(number("perDialTimeout", 15)) * time.Second,
	}
	c.host, _ = text("host")
	if user, _ := text("user"); user != "" {
		c.user = user
	}
	c.password, c.hasPassword = text("password")
	c.privateKey, _ = text("privateKey")
	c.privateKeyPassword, c.hasKeyPassword = text("privateKeyPassword")
	c.agentSocketPath, _ = text("agentSocketPath")
	hostKey, _ := text("hostKey")
	var err error
	if c.hostKey, err = parseHostKey(hostKey); err != nil {
		return nil, fmt.Errorf("connection.hostKey: %w", err) // unreachable after validateConnection
	}
	return c, nil
}

// authMethods are tried in upstream's order: the private key, the password (also answering
// keyboard-interactive prompts), then an SSH agent (connection.agentSocketPath, else
// SSH_AUTH_SOCK). done closes the agent connection once the SSH connection is made.
func (c *connection) authMethods() (methods []ssh.AuthMethod, done func(), err error) {
	done = func() {}
	if c.privateKey != "" {
		signer, err := parsePrivateKey(c.privateKey, c.privateKeyPassword, c.hasKeyPassword)
		if err != nil {
			return nil, nil, fmt.Errorf("connection.privateKey %w", err)
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if c.hasPassword {
		password := c.password
		methods = append(methods, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = password
				}
				return answers, nil
			}))
	}
	socket, explicit := c.agentSocketPath, c.agentSocketPath != ""
	if !explicit {
		socket = os.Getenv("SSH_AUTH_SOCK")
	}
	if socket != "" {
		conn, err := net.Dial("unix", socket)
		switch {
		case err != nil && explicit:
			return nil, nil, fmt.Errorf("connection.agentSocketPath: cannot reach the SSH agent: %w", err)
		case err == nil:
			methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
			done = func() { _ = conn.Close() }
		} // an unreachable SSH_AUTH_SOCK is just not used, like an unset one
	}
	if len(methods) == 0 {
		return nil, nil, fmt.Errorf("no way to authenticate to %s: set connection.privateKey, connection.password "+
			"or connection.agentSocketPath (or run an SSH agent with SSH_AUTH_SOCK set)", c)
	}
	return methods, done, nil
}

// hostKeyAlgorithms asks the server for a host key of the pinned key's type only: a server usually
// has several (ed25519, ecdsa, rsa), and any other would not match the pin.
func hostKeyAlgorithms(key ssh.PublicKey) []string {
	if key.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256} // RSA keys, SHA-2 signatures
	}
	return []string{key.Type()}
}

// The pause between dial attempts starts short and grows 1.5x per attempt up to maxDialPause
// (upstream backs off the same way, from 100 ms): a machine that has just booted may take a
// while to start sshd, and a forwarded port may refuse or drop connections until then.
var (
	firstDialPause = 500 * time.Millisecond
	maxDialPause   = 5 * time.Second
)

// dial connects and authenticates, making up to connection.dialErrorLimit attempts (each given at
// most connection.perDialTimeout) and reporting the last attempt's error. A server presenting
// another host key than connection.hostKey fails at once, without retrying: its fingerprint and
// the pinned one are in the error.
func (p *provider) dial(ctx context.Context, urn string, c *connection) (*ssh.Client, error) {
	auth, authDone, err := c.authMethods()
	if err != nil {
		return nil, err
	}
	defer authDone()

	var mu sync.Mutex
	var mismatch error
	config := &ssh.ClientConfig{
		User:              c.user,
		Auth:              auth,
		HostKeyAlgorithms: hostKeyAlgorithms(c.hostKey),
		HostKeyCallback: func(_ string, _ net.Addr, presented ssh.PublicKey) error {
			if bytes.Equal(presented.Marshal(), c.hostKey.Marshal()) {
				return nil
			}
			err := fmt.Errorf("host key mismatch for %s: connection.hostKey pins %s %s, but the server presented %s %s; "+
				"nothing was run (if the server's host key legitimately changed, update connection.hostKey)",
				c, c.hostKey.Type(), ssh.FingerprintSHA256(c.hostKey), presented.Type(), ssh.FingerprintSHA256(presented))
			mu.Lock()
			mismatch = err
			mu.Unlock()
			return err
		},
	}

	attempts, limit := c.dialErrorLimit, strconv.Itoa(c.dialErrorLimit)
	switch {
	case attempts < 0:
		limit = "unlimited"
	case attempts == 0:
		attempts, limit = 1, "1"
	}
	pause := firstDialPause
	for attempt := 1; ; attempt++ {
		client, err := dialOnce(ctx, c, config)
		if err == nil {
			return client, nil
		}
		mu.Lock()
		wrongKey := mismatch
		mu.Unlock()
		switch {
		case wrongKey != nil:
			return nil, wrongKey
		case strings.Contains(err.Error(), "no common algorithm for host key"):
			return nil, fmt.Errorf("connecting to %s: the server has no %s host key (the type of connection.hostKey): %w",
				c, c.hostKey.Type(), err)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("connecting to %s: %w (last error: %v)", c, ctx.Err(), err)
		case attempts > 0 && attempt >= attempts:
			return nil, fmt.Errorf("cannot connect to %s after %d attempt(s) (connection.dialErrorLimit), the last failed with: %w",
				c, attempt, err)
		}
		p.logStatus(ctx, urn, fmt.Sprintf("connecting to %s: attempt %d/%s failed (%v); retrying in %s", c, attempt, limit, err, pause))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connecting to %s: %w (last error: %v)", c, ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(pause*3/2, maxDialPause)
	}
}

// dialOnce is one attempt: TCP connect and SSH handshake together within perDialTimeout (a port
// forwarded to a machine that is still booting can accept the TCP connection and never answer).
func dialOnce(ctx context.Context, c *connection, config *ssh.ClientConfig) (*ssh.Client, error) {
	dialCtx, deadline := ctx, time.Time{}
	if c.perDialTimeout > 0 {
		deadline = time.Now().Add(c.perDialTimeout)
		var cancel context.CancelFunc
		dialCtx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(dialCtx, "tcp", c.address())
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(deadline) // the zero time: no deadline
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, c.address(), config)
	if err != nil {
		return nil, err // NewClientConn has closed conn
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sshConn, chans, reqs), nil
}

// remoteScript is what the remote login shell runs: an `export` line per environment variable,
// then the command. Upstream passes the environment with SSH "env" requests (session.Setenv),
// which sshd refuses unless its AcceptEnv lists the name (a stock OpenSSH accepts only LANG and
// LC_*), so its `environment` fails on most servers. Instead, each variable becomes an export
// line: the name must be a shell identifier (envName; Check says so too) and the value is
// single-quoted, each single quote inside it closing the quoted string, adding an escaped quote
// and reopening, so that the value it's "$(x)" is sent as
//
//	export NAME='it'\''s "$(x)"'
//
// and the shell takes the value literally: no $VAR, $(...), `...`, globbing or word splitting,
// and newlines stay part of it. This assumes a POSIX-like login shell (sh, bash, dash, zsh, ksh,
// ash), as sshd runs the command with `$SHELL -c`. The previous run's stdout/stderr
// (addPreviousOutputInEnv) come the same way, as PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR.
func remoteScript(command string, s spec, prev result) (string, error) {
	var b strings.Builder
	export := func(name, value string) error {
		if !envName.MatchString(name) {
			return fmt.Errorf("environment variable name %q cannot be passed to the remote shell: names must match %s", name, envName)
		}
		if strings.ContainsRune(value, 0) {
			return fmt.Errorf("environment variable %s contains a NUL byte, which a shell cannot hold", name)
		}
		b.WriteString("export " + name + "=" + shellQuote(value) + "\n")
		return nil
	}
	for _, kv := range s.vars {
		if err := export(kv[0], kv[1]); err != nil {
			return "", err
		}
	}
	if s.addPrevious {
		for _, v := range []struct {
			name  string
			value resource.PropertyValue
		}{{"PULUMI_COMMAND_STDOUT", prev.stdout}, {"PULUMI_COMMAND_STDERR", prev.stderr}} {
			if v.value.IsString() && v.value.StringValue() != "" {
				if err := export(v.name, v.value.StringValue()); err != nil {
					return "", err
				}
			}
		}
	}
	b.WriteString(command)
	return b.String(), nil
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runRemote runs command on the host through an SSH session (the server runs it with the user's
// login shell), with the environment as remoteScript sets it and stdin on the session's stdin.
// Output lines are shown in the CLI as they come, as for local commands; a non-zero exit is an
// error carrying the output. Errors name the host only as user@host:port, and never contain the
// environment's values (they may be secret): the command is quoted, not the script.
func (p *provider) runRemote(ctx context.Context, urn, command string, c *connection, s spec, prev result) (result, error) {
	script, err := remoteScript(command, s, prev)
	if err != nil {
		return result{}, err
	}
	client, err := p.dial(ctx, urn, c)
	if err != nil {
		return result{}, err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return result{}, fmt.Errorf("opening an SSH session on %s: %w", c, err)
	}
	defer session.Close()
	if s.stdin != "" {
		session.Stdin = strings.NewReader(s.stdin) // the session sends EOF after it, as for a nil Stdin
	}

	var stdout, stderr bytes.Buffer
	both := &lockedBuffer{}
	log := func(msg string) { p.logStatus(ctx, urn, msg) }
	outLog, errLog := &lineWriter{log: log, on: s.logStdout}, &lineWriter{log: log, on: s.logStderr}
	session.Stdout = io.MultiWriter(&stdout, both, outLog) // each stream is copied by its own goroutine
	session.Stderr = io.MultiWriter(&stderr, both, errLog)

	done := make(chan error, 1)
	go func() { done <- session.Run(script) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Cancelled or timed out: ask the server to kill the command (OpenSSH honours signals
		// since 7.9), and drop the connection, which also ends it when the shell notices.
		_ = session.Signal(ssh.SIGKILL)
		_ = client.Close()
		<-done
		err = ctx.Err()
	}
	outLog.flush()
	errLog.flush()
	if err != nil {
		return result{}, fmt.Errorf("%w: running %q on %s:\n%s", err, brief(command), c, both.String())
	}
	// Like upstream: one trailing newline is dropped, so `echo hi` gives "hi".
	return result{
		stdout: resource.NewStringProperty(strings.TrimSuffix(stdout.String(), "\n")),
		stderr: resource.NewStringProperty(strings.TrimSuffix(stderr.String(), "\n")),
	}, nil
}
