// Command pulumi-resource-command is podlab's own build of the Pulumi "command" resource provider:
// it serves command:local:Command, command:remote:Command (a command run over SSH, with
// golang.org/x/crypto/ssh) and the command:local:run function, the way the npm SDK
// @pulumi/command 1.2.1 calls them. It does not serve remote:CopyToRemote, remote:CopyFile or a
// connection proxy, and the remote Command requires a pinned host key (connection.hostKey). The
// upstream provider cannot be built here, because the Go module proxy does not serve
// github.com/pulumi/pulumi-command/provider, so this is a small, independent implementation of the
// same gRPC contract on top of the Pulumi Go SDK.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/grpclog"
)

// version is what GetPluginInfo and GetSchema report; the build script may override it with
// -ldflags "-X main.version=...". It must match the version the npm SDK asks the engine for.
var version = "1.2.1"

func main() {
	// The engine starts plugins as `plugin [--logtostderr] [-v=N] [--tracing ADDR] ENGINE_ADDR`.
	// glog, which the SDK's logging uses, already registers -v and -logtostderr (so the engine's
	// verbosity reaches the SDK's logs); define whatever is still missing so parsing never fails.
	if flag.Lookup("logtostderr") == nil {
		flag.Bool("logtostderr", false, "log to stderr")
	}
	if flag.Lookup("v") == nil {
		flag.Int("v", 0, "log verbosity")
	}
	flag.String("tracing", "", "tracing endpoint (accepted for compatibility; ignored)")
	flag.Parse()

	if err := serve(flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}

func serve(args []string) error {
	// gRPC's default logger writes informational lines to stderr, which the engine would show as
	// plugin noise; keep only errors.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, os.Stderr))

	p := newProvider()
	if len(args) > 0 {
		// The engine address is how command output reaches `pulumi up` as status lines.
		if err := p.connectEngine(args[0]); err != nil {
			return fmt.Errorf("connecting to the engine at %s: %w", args[0], err)
		}
	}

	// The engine asks plugins to stop with SIGINT; stop serving gracefully so a command that is
	// still running finishes its RPC instead of being cut off mid-way.
	stop := make(chan bool)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() { <-sigs; close(stop) }()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(s, p)
			return nil
		},
	})
	if err != nil {
		return err
	}
	// Plugin protocol: the first line on stdout is the port the engine dials.
	fmt.Println(handle.Port)
	return <-handle.Done
}
