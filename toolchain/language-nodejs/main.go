// Command pulumi-language-nodejs is podlab's own minimal Pulumi language host for Node.js.
//
// The official host is a separate Go module that the Go module proxy here does not serve, so the
// project builds this one instead. The engine starts it as
//
//	pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// reads the gRPC port it prints as the first line of stdout, and then calls the LanguageRuntime
// service (sdk/v3 proto/go/language_grpc.pb.go). The real work is done by the Node SDK's own
// runners (@pulumi/pulumi/cmd/run for programs, cmd/run-policy-pack for policy packs): this host
// finds them, hands over flags and environment, and reports their exit codes.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is what GetPluginInfo reports; it matches the Node SDK and CLI the project pins.
// Override with -ldflags "-X main.version=...".
var version = "3.248.0"

// healthInterval is how often we ask the engine whether it is still alive. If it is gone (killed,
// crashed) we stop, and with us any Node process we started: nobody else would ever reap them.
const healthInterval = 5 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: error: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	// Our own FlagSet: the sdk's logging package registers glog's flags on flag.CommandLine.
	fs := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	logToStderr := fs.Bool("logtostderr", false, "write debug logs to stderr")
	verbose := fs.Int("v", 0, "debug log verbosity (with --logtostderr)")
	tracing := fs.String("tracing", "", "tracing endpoint, passed on to the Node runner")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: pulumi-language-nodejs [flags] [ENGINE_ADDRESS]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("expected at most one argument (the engine address), got %q", fs.Args())
	}

	// Plugin stderr is shown to the user by the engine, so debug logs only appear when asked for.
	logf := func(string, ...any) {}
	if *logToStderr && *verbose > 0 {
		logger := log.New(os.Stderr, "pulumi-language-nodejs: ", log.LstdFlags)
		logf = logger.Printf
	}

	// Without an engine address we were started by hand, to be attached to with
	// PULUMI_DEBUG_LANGUAGES=nodejs:PORT; the engine then sends its address in Handshake.
	h := newHost(fs.Arg(0), *tracing, logf)

	// The engine stops plugins with SIGINT to the process group (cmdutil.InterruptChildren).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var srv *grpc.Server
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			srv = s
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
		// Stop() then waits for Run/RunPlugin handlers, which kill their Node child on the way out.
		Options: []grpc.ServerOption{grpc.WaitForHandlers(true)},
	})
	if err != nil {
		return err
	}

	if addr := h.engine(); addr != "" {
		if err := rpcutil.Healthcheck(ctx, addr, healthInterval, cancel); err != nil {
			return fmt.Errorf("watching engine %s: %w", addr, err)
		}
	}

	// The engine reads exactly this line to learn where to connect.
	fmt.Printf("%d\n", handle.Port)
	logf("listening on 127.0.0.1:%d, engine %q", handle.Port, h.engine())

	select {
	case <-ctx.Done():
		logf("shutting down: %v", context.Cause(ctx))
		srv.Stop()
		<-handle.Done
		return nil
	case err := <-handle.Done:
		return err
	}
}
