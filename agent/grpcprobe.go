package main

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// doGRPCProbe is the kubelet's gRPC prober (pkg/probe/grpc/grpc.go): a plaintext connection, the
// health service's Check of service, within ctx (the probe's timeoutSeconds); SERVING passes.
func doGRPCProbe(ctx context.Context, addr, service string) (string, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithUserAgent(probeUserAgent))
	if err != nil {
		return "", fmt.Errorf("failed to connect service %q within %v: %w", addr, deadlineOf(ctx), err)
	}
	defer conn.Close()
	res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return "", fmt.Errorf("health rpc probe failed: %w", err)
	}
	if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return "", fmt.Errorf("service unhealthy (responded with %q)", res.GetStatus().String())
	}
	return "", nil
}

// deadlineOf is how long ctx had when the probe began, for messages.
func deadlineOf(ctx context.Context) string {
	if d, ok := ctx.Deadline(); ok {
		return fmt.Sprintf("deadline %s", d.Format("15:04:05.000"))
	}
	return "no deadline"
}
