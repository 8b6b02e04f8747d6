package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// spec is how to run a command, read from (secret-free) inputs.
type spec struct {
	interpreter  []string
	dir          string
	env          []string    // NAME=VALUE, added to the provider's own environment
	vars         [][2]string // the same as {name, value} pairs, for the remote Command
	stdin        string
	addPrevious  bool
	logStdout    bool
	logStderr    bool
	assetPaths   []string // nil: no `assets` output
	archivePaths []string // nil: no `archive` output
}

func specFrom(in resource.PropertyMap) spec {
	strs := func(key string) []string {
		v := in[resource.PropertyKey(key)]
		if !v.IsArray() {
			return nil
		}
		out := []string{}
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				out = append(out, e.StringValue())
			}
		}
		return out
	}
	s := spec{
		interpreter:  strs("interpreter"),
		dir:          str(in, "dir"),
		stdin:        str(in, "stdin"),
		addPrevious:  true,
		assetPaths:   strs("assetPaths"),
		archivePaths: strs("archivePaths"),
	}
	if env := in["environment"]; env.IsObject() {
		for _, k := range env.ObjectValue().StableKeys() {
			if v := env.ObjectValue()[k]; v.IsString() {
				s.env = append(s.env, string(k)+"="+v.StringValue())
				s.vars = append(s.vars, [2]string{string(k), v.StringValue()})
			}
		}
	}
	if v := in["addPreviousOutputInEnv"]; v.IsBool() {
		s.addPrevious = v.BoolValue()
	}
	logging := str(in, "logging")
	s.logStdout = logging == "" || logging == "stdout" || logging == "stdoutAndStderr"
	s.logStderr = logging == "" || logging == "stderr" || logging == "stdoutAndStderr"
	return s
}

// result is a run's outputs as property values, so a previous run's (possibly secret) values can
// be carried over unchanged. assets/archive are null when not asked for.
type result struct {
	stdout, stderr, assets, archive resource.PropertyValue
}

// outputs is the resource state: every input (as given, secrets kept) plus the run's outputs.
// Outputs derive from all inputs, so they are secret when any input is (as upstream does).
func (r result) outputs(inputs resource.PropertyMap) resource.PropertyMap {
	return r.outputsWith(inputs, inputs.ContainsSecrets())
}

// outputsWith is outputs, with the run's outputs made secret when secret is set.
func (r result) outputsWith(inputs resource.PropertyMap, secret bool) resource.PropertyMap {
	outs := inputs.Copy()
	set := func(key resource.PropertyKey, v resource.PropertyValue) {
		if secret && !v.IsSecret() && !v.IsComputed() {
			v = resource.MakeSecret(v)
		}
		outs[key] = v
	}
	for key, v := range map[resource.PropertyKey]resource.PropertyValue{"stdout": r.stdout, "stderr": r.stderr} {
		if v.IsNull() {
			v = resource.NewStringProperty("")
		}
		set(key, v)
	}
	if !r.assets.IsNull() {
		set("assets", r.assets)
	}
	if !r.archive.IsNull() {
		set("archive", r.archive)
	}
	return outs
}

// run executes command with the interpreter (default /bin/sh -c), in dir, with the extra
// environment and, unless disabled, the previous run's stdout/stderr as PULUMI_COMMAND_STDOUT/ERR.
// Output lines are shown in the CLI as they come; a non-zero exit is an error carrying the output.
func (p *provider) run(ctx context.Context, urn, command string, s spec, prev result) (result, error) {
	args := append(append([]string{}, s.interpreter...), command)
	if len(s.interpreter) == 0 {
		args = []string{"/bin/sh", "-c", command}
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = s.dir // empty: the provider's working directory, which the engine sets to the project's
	cmd.Env = append(os.Environ(), s.env...)
	if s.addPrevious {
		for name, v := range map[string]resource.PropertyValue{"PULUMI_COMMAND_STDOUT": prev.stdout, "PULUMI_COMMAND_STDERR": prev.stderr} {
			if v.IsString() && v.StringValue() != "" {
				cmd.Env = append(cmd.Env, name+"="+v.StringValue())
			}
		}
	}
	if s.stdin != "" {
		cmd.Stdin = strings.NewReader(s.stdin)
	}

	var stdout, stderr bytes.Buffer
	both := &lockedBuffer{}
	log := func(msg string) { p.logStatus(ctx, urn, msg) }
	outLog, errLog := &lineWriter{log: log, on: s.logStdout}, &lineWriter{log: log, on: s.logStderr}
	cmd.Stdout = io.MultiWriter(&stdout, both, outLog)
	cmd.Stderr = io.MultiWriter(&stderr, both, errLog)
	// A command that starts a background process (`daemon &`) leaves our output pipes open after it
	// exits; stop waiting for them shortly after the command itself is done.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	outLog.flush()
	errLog.flush()
	if err != nil {
		return result{}, fmt.Errorf("%w: running %q:\n%s", err, brief(command), both.String())
	}

	// Like upstream: one trailing newline is dropped, so `echo hi` gives "hi".
	res := result{
		stdout: resource.NewStringProperty(strings.TrimSuffix(stdout.String(), "\n")),
		stderr: resource.NewStringProperty(strings.TrimSuffix(stderr.String(), "\n")),
	}
	dir := s.dir
	if dir == "" {
		if dir, err = os.Getwd(); err != nil {
			return result{}, err
		}
	}
	if s.assetPaths != nil {
		assets, err := globAssets(dir, s.assetPaths)
		if err != nil {
			return result{}, err
		}
		m := resource.PropertyMap{}
		for path, a := range assets {
			m[resource.PropertyKey(path)] = resource.NewProperty(a)
		}
		res.assets = resource.NewProperty(m)
	}
	if s.archivePaths != nil {
		assets, err := globAssets(dir, s.archivePaths)
		if err != nil {
			return result{}, err
		}
		contents := map[string]any{}
		for path, a := range assets {
			contents[path] = a
		}
		archive, err := resource.NewAssetArchive(contents)
		if err != nil {
			return result{}, err
		}
		res.archive = resource.NewProperty(archive)
	}
	return res, nil
}

// lockedBuffer interleaves stdout and stderr (written from two goroutines) for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lineWriter hands complete lines to log (when on); exec uses one goroutine per stream.
type lineWriter struct {
	log     func(string)
	on      bool
	pending []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if !w.on {
		return len(p), nil
	}
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.log(string(w.pending[:i]))
		w.pending = w.pending[i+1:]
	}
}

func (w *lineWriter) flush() {
	if len(w.pending) > 0 {
		w.log(string(w.pending))
		w.pending = nil
	}
}

// globAssets finds the files under dir matching the rules, in order: a rule starting with "!"
// removes matches again. Paths are relative, with "/" separators. `*` and `?` stay within one
// path segment, `**` crosses segments, `[...]` and `{a,b}` work as in the upstream glob library.
func globAssets(dir string, rules []string) (map[string]*resource.Asset, error) {
	type rule struct {
		exclude bool
		re      *regexp.Regexp
	}
	compiled := make([]rule, 0, len(rules))
	for _, r := range rules {
		exclude := strings.HasPrefix(r, "!")
		re, err := globRegexp(strings.TrimPrefix(r, "!"))
		if err != nil {
			return nil, fmt.Errorf("bad path glob %q: %w", r, err)
		}
		compiled = append(compiled, rule{exclude, re})
	}
	assets := map[string]*resource.Asset{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, r := range compiled {
			switch {
			case !r.re.MatchString(path):
			case r.exclude:
				delete(assets, path)
			default:
				a, err := resource.NewPathAsset(filepath.Join(dir, path))
				if err != nil {
					return err
				}
				assets[path] = a
			}
		}
		return nil
	})
	return assets, err
}

func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	alternatives := 0 // depth of open {a,b} groups
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; {
		case c == '*' && i+1 < len(glob) && glob[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '{':
			b.WriteString("(?:")
			alternatives++
		case c == '}' && alternatives > 0:
			b.WriteString(")")
			alternatives--
		case c == ',' && alternatives > 0:
			b.WriteString("|")
		case c == '[':
			end := strings.IndexByte(glob[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unterminated [")
			}
			class := glob[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += end + 1
		case c == '\\' && i+1 < len(glob):
			i++
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// brief shortens a long command (a whole script) to its first line for error messages: the
// command's own output, which follows, is what tells the user what went wrong.
func brief(command string) string {
	first, _, multiline := strings.Cut(command, "\n")
	if len(first) > 120 {
		return first[:120] + " …"
	}
	if multiline {
		return first + " …"
	}
	return first
}
