// grpc-health: a gRPC server with the standard health service (grpc.health.v1), the target of the
// tests of gRPC probes on both stacks (image podlab/grpc-health). It listens on :9090; the server
// ("") and the service "app" are SERVING, and NOT_SERVING while the file /tmp/not-serving exists, so
// that a test can fail the probes from inside the container.
package main

import (
	"log"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	lis, err := net.Listen("tcp", ":9090")
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() {
		for {
			status := healthpb.HealthCheckResponse_SERVING
			if _, err := os.Stat("/tmp/not-serving"); err == nil {
				status = healthpb.HealthCheckResponse_NOT_SERVING
			}
			hs.SetServingStatus("", status)
			hs.SetServingStatus("app", status)
			time.Sleep(200 * time.Millisecond)
		}
	}()
	log.Printf("grpc health on :9090")
	log.Fatal(srv.Serve(lis))
}
