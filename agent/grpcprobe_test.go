package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// The kubelet's gRPC prober's judgements (pkg/probe/grpc): SERVING passes; NOT_SERVING, an unknown
// service and a closed port fail.
func TestGRPCProbeAsTheKubelet(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	hs.SetServingStatus("app", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("down", healthpb.HealthCheckResponse_NOT_SERVING)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	probe := func(addr, service string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := doGRPCProbe(ctx, addr, service)
		return err
	}
	addr := lis.Addr().String()
	for _, svc := range []string{"", "app"} {
		if err := probe(addr, svc); err != nil {
			t.Errorf("service %q: %v", svc, err)
		}
	}
	if err := probe(addr, "down"); err == nil || !strings.Contains(err.Error(), `service unhealthy (responded with "NOT_SERVING")`) {
		t.Errorf("NOT_SERVING: %v", err)
	}
	if err := probe(addr, "nope"); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Errorf("unknown service: %v", err)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := closed.Addr().String()
	closed.Close()
	if err := probe(gone, ""); err == nil {
		t.Error("a closed port passes")
	}
}
