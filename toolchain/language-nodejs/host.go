package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// bailExitCode is what @pulumi/pulumi's runners exit with when they have already reported the
// error to the engine themselves (nodeJSProcessExitedAfterLoggingUserActionableMessage in
// cmd/run/index.js). The engine then must not print a second, generic error: RunResponse.Bail.
const bailExitCode = 32

// host implements the LanguageRuntime service. Methods not defined here come from
// UnimplementedLanguageRuntimeServer and answer codes.Unimplemented, which the engine tolerates
// for all the optional ones it calls (Template, RuntimeOptionsPrompts, Cancel; see
// sdk/go/common/resource/plugin/langruntime_plugin.go). Code generation (GenerateProgram,
// GenerateProject, GeneratePackage, Pack, Link) is only used by `pulumi convert`/`package` commands.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu         sync.Mutex
	engineAddr string // from the command line, or from Handshake when the engine attached to us

	tracing string
	logf    func(string, ...any)
}

func newHost(engineAddr, tracing string, logf func(string, ...any)) *host {
	return &host{engineAddr: engineAddr, tracing: tracing, logf: logf}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddr
}

// Handshake is only sent when the engine attaches to an already running host
// (PULUMI_DEBUG_LANGUAGES); a launched host gets the engine address as its argument.
func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddr = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPackages tells the engine which resource plugins the program's npm packages need,
// so it can load (or complain about) them before the program starts.
func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	p := newProgram(req.GetInfo(), "", "")
	pkgs, err := resourcePackages(p.dir)
	if err != nil {
		return nil, err
	}
	h.logf("GetRequiredPackages(%s): %d package(s)", p.dir, len(pkgs))
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// GetRequiredPlugins is the deprecated predecessor of GetRequiredPackages, kept for older callers.
//
//nolint:staticcheck // deprecated messages and fields, still sent by older engines
func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	p := newProgram(req.GetInfo(), req.GetPwd(), req.GetProgram())
	pkgs, err := resourcePackages(p.dir)
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(pkgs))
	for _, pkg := range pkgs {
		if pkg.Parameterization != nil {
			continue // not expressible in the old message
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: pkg.Name, Kind: pkg.Kind, Version: pkg.Version, Server: pkg.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// Run runs a Pulumi program with the Node SDK's runner, @pulumi/pulumi/cmd/run, resolved from the
// program's own node_modules so the runner and the program share one copy of the SDK. The runner
// takes the engine's settings as flags and the stack config as environment variables.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	p := newProgram(req.GetInfo(), req.GetPwd(), req.GetProgram())
	runner, err := findSDK(p.dir, "cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append(append([]string{}, p.nodeArgs...), runner,
		"--monitor="+req.GetMonitorAddress(),
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+p.dir)
	if e := h.engine(); e != "" {
		args = append(args, "--engine="+e)
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if p.root != "" {
		args = append(args, "--root-directory="+p.root)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() != 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	if h.tracing != "" {
		args = append(args, "--tracing="+h.tracing)
	}
	// The runner stops parsing flags at the program; what follows goes to the program's argv.
	// An entry point of "." makes the runner use package.json's main/exports.
	args = append(args, p.entry)
	args = append(args, req.GetArgs()...)

	env, err := runEnv(p, req.GetConfig(), req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	cmd, err := nodeCommand(ctx, p.dir, args, env)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	// The program's output goes straight to ours, which the engine shows to the user.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	h.logf("Run: %s %q in %s", cmd.Path, args, p.dir)
	return runResponse(cmd.Run()), nil
}

// runEnv is our environment plus what the Node SDK reads at startup (runtime/config.js,
// cmd/run/run.js). Later entries win in os/exec, so these override inherited values.
func runEnv(p program, config map[string]string, secretKeys []string) ([]string, error) {
	if config == nil {
		config = map[string]string{} // "null" would not be a valid config object
	}
	if secretKeys == nil {
		secretKeys = []string{}
	}
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	keys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(cfg),
		"PULUMI_CONFIG_SECRET_KEYS="+string(keys),
		// run.js only registers ts-node when this is exactly "true".
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(p.typescript))
	if p.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+p.tsconfig)
	}
	return env, nil
}

func runResponse(err error) *pulumirpc.RunResponse {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}
	case errors.As(err, &exit) && exit.ExitCode() == bailExitCode:
		return &pulumirpc.RunResponse{Bail: true}
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}
	default: // killed by a signal, or node could not be started
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", err)}
	}
}

// RunPlugin runs a plugin written in Node.js. The engine uses it for policy packs
// (`--policy-pack DIR` with a PulumiPolicy.yaml saying runtime: nodejs; kind "analyzer") and for
// providers with a PulumiPlugin.yaml (kind "resource"). The plugin prints its gRPC port on stdout,
// which travels to the engine inside this stream, followed by the exit code when it ends. The
// engine stops the plugin by cancelling the stream, which kills the Node process.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, stream pulumirpc.LanguageRuntime_RunPluginServer) error {
	p := newProgram(req.GetInfo(), req.GetPwd(), req.GetProgram()) //nolint:staticcheck
	stdout, stderr := grpcWriters(
		func(b []byte) error {
			return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
		},
		func(b []byte) error {
			return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
		})
	exited := func(code int) error {
		return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
	}

	program := p.entry
	if !filepath.IsAbs(program) {
		program = filepath.Join(p.dir, program)
	}
	script, dir := "cmd/run-plugin", req.GetPwd()
	if req.GetKind() == "analyzer" {
		// Like the pulumi-analyzer-policy script this replaces, run inside the pack, so the pack's
		// own SDK and tsconfig.json are the ones used (the engine's Pwd is the stack's project).
		script, dir = "cmd/run-policy-pack", p.dir
	}
	if dir == "" {
		dir = p.dir
	}
	runner, err := findSDK(p.dir, script)
	if err != nil {
		// The engine recognises Node's wording of this error for policy packs and tells the user
		// to run npm install in the pack.
		fmt.Fprintf(stderr, "Error: Cannot find module '@pulumi/pulumi/%s'\n%v\n", script, err)
		return exited(1)
	}

	args := append(append([]string{}, p.nodeArgs...), runner)
	if req.GetKind() == "analyzer" {
		// run-policy-pack: RUN [flags] <engine-address> <program>; the engine's args end with its address.
		args = append(append(args, req.GetArgs()...), program)
	} else {
		// run-plugin: RUN <program> [args...], the args reaching the plugin's process.argv.
		args = append(append(args, program), req.GetArgs()...)
	}
	env := req.GetEnv() // the engine sends its whole environment
	if len(env) == 0 {
		env = os.Environ()
	}
	cmd, err := nodeCommand(stream.Context(), dir, args, env)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exited(1)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	h.logf("RunPlugin(%s): %s %q in %s", req.GetKind(), cmd.Path, args, dir)

	err = cmd.Run()
	if ctxErr := stream.Context().Err(); ctxErr != nil {
		return ctxErr // the engine went away or stopped the plugin: nobody to tell
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exited(0)
	case errors.As(err, &exit):
		return exited(exit.ExitCode())
	default:
		fmt.Fprintln(stderr, err)
		return exited(1)
	}
}

// InstallDependencies runs the package manager's install in the program (or policy pack)
// directory, streaming its output to the engine (`pulumi install`, `pulumi new`,
// `pulumi policy new`).
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	p := newProgram(req.GetInfo(), req.GetDirectory(), "") //nolint:staticcheck
	stdout, stderr := grpcWriters(
		func(b []byte) error { return stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b}) },
		func(b []byte) error { return stream.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b}) })

	pm := p.packageManager
	if pm == "" || pm == "auto" {
		pm = detectPackageManager(p.dir)
	}
	bin, err := exec.LookPath(pm)
	if err != nil {
		return fmt.Errorf("cannot install dependencies in %s: %s not found on PATH", p.dir, pm)
	}
	fmt.Fprintf(stdout, "Installing dependencies with %s install in %s...\n", pm, p.dir)
	cmd := exec.CommandContext(stream.Context(), bin, "install")
	cmd.Dir, cmd.Stdout, cmd.Stderr = p.dir, stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`%s install` in %s failed: %w", pm, p.dir, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return nil
}

// About reports the Node.js that programs will run on (`pulumi about`, update metadata).
func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// GetProgramDependencies lists the program's direct npm dependencies (`pulumi about`). Transitive
// dependencies are not listed even when asked for.
func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	p := newProgram(req.GetInfo(), req.GetPwd(), req.GetProgram()) //nolint:staticcheck
	deps, err := programDependencies(p.dir)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// program is what this host needs from a ProgramInfo (falling back to the deprecated
// pwd/program request fields), including the Pulumi.yaml runtime options it understands:
//
//	runtime: {name: nodejs, options: {typescript: false, nodeargs: "...", tsconfig: "...", packagemanager: npm}}
type program struct {
	root, dir, entry string
	typescript       bool
	nodeArgs         []string
	tsconfig         string
	packageManager   string
}

func newProgram(info *pulumirpc.ProgramInfo, pwd, entry string) program {
	p := program{
		root:       info.GetRootDirectory(),
		dir:        info.GetProgramDirectory(),
		entry:      info.GetEntryPoint(),
		typescript: true,
	}
	if p.dir == "" {
		p.dir = pwd
	}
	if p.dir == "" {
		p.dir, _ = os.Getwd()
	}
	if p.entry == "" {
		p.entry = entry
	}
	if p.entry == "" {
		p.entry = "."
	}
	opts := info.GetOptions().AsMap()
	switch v := opts["typescript"].(type) {
	case bool:
		p.typescript = v
	case string:
		p.typescript = v != "false"
	}
	p.nodeArgs = strings.Fields(optString(opts, "nodeargs"))
	p.tsconfig = optString(opts, "tsconfig")
	p.packageManager = optString(opts, "packagemanager")
	return p
}

func optString(opts map[string]any, key string) string {
	s, _ := opts[key].(string)
	return s
}

// nodeCommand prepares `node args...`. When ctx ends (the engine cancelled the call, or went away
// and the server stopped) os/exec kills node; WaitDelay bounds the wait for its output pipes.
func nodeCommand(ctx context.Context, dir string, args, env []string) (*exec.Cmd, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on PATH: %w", err)
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 5 * time.Second
	return cmd, nil
}

// grpcWriters turns a child's stdout and stderr into messages on one gRPC stream. os/exec copies
// the two pipes from two goroutines, but a gRPC stream must not be sent on concurrently: hence
// the shared lock.
func grpcWriters(sendOut, sendErr func([]byte) error) (stdout, stderr io.Writer) {
	mu := &sync.Mutex{}
	return &lockedSender{mu: mu, send: sendOut}, &lockedSender{mu: mu, send: sendErr}
}

type lockedSender struct {
	mu   *sync.Mutex
	send func([]byte) error
}

func (w *lockedSender) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.send(bytes.Clone(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}
