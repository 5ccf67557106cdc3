// grpcgo is a minimal grpc-go (Debian golang-google-grpc-dev, 1.33.x) test peer:
// a gRPC server on 127.0.0.1:0 exposing grpc.health.v1.Health, with configurable
// keepalive enforcement / server pings and scheduled health-status flips.
// It prints "LISTENING 127.0.0.1:PORT" once on stdout and exits on stdin EOF or SIGTERM.
//
// Build offline (GOPATH mode, no network):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOCACHE=/tmp/gocache \
//	  go build -o /tmp/x/grpcgo-peer tests/peers/grpcgo/main.go
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
)

type flip struct {
	service string
	status  healthpb.HealthCheckResponse_ServingStatus
	after   time.Duration
}

type flipList []flip

func (f *flipList) String() string { return fmt.Sprint(*f) }

// Set parses SERVICE=STATUS@DURATION (SERVICE may be empty for the overall status).
func (f *flipList) Set(v string) error {
	at := strings.LastIndex(v, "@")
	if at < 0 {
		return fmt.Errorf("flip %q: want SERVICE=STATUS@DURATION", v)
	}
	eq := strings.LastIndex(v[:at], "=")
	if eq < 0 {
		return fmt.Errorf("flip %q: want SERVICE=STATUS@DURATION", v)
	}
	d, err := time.ParseDuration(v[at+1:])
	if err != nil {
		return fmt.Errorf("flip %q: %v", v, err)
	}
	var st healthpb.HealthCheckResponse_ServingStatus
	switch v[eq+1 : at] {
	case "SERVING":
		st = healthpb.HealthCheckResponse_SERVING
	case "NOT_SERVING":
		st = healthpb.HealthCheckResponse_NOT_SERVING
	default:
		return fmt.Errorf("flip %q: status must be SERVING or NOT_SERVING", v)
	}
	*f = append(*f, flip{service: v[:eq], status: st, after: d})
	return nil
}

func main() {
	minTime := flag.Duration("min-time", 5*time.Minute, "keepalive.EnforcementPolicy.MinTime")
	permit := flag.Bool("permit-without-stream", false, "keepalive.EnforcementPolicy.PermitWithoutStream")
	serverPing := flag.Duration("server-ping", 0, "keepalive.ServerParameters.Time (Timeout 20s); 0 = off")
	var flips flipList
	flag.Var(&flips, "flip", "SERVICE=STATUS@DURATION (repeatable); STATUS is SERVING or NOT_SERVING")
	flag.Parse()

	opts := []grpc.ServerOption{
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             *minTime,
			PermitWithoutStream: *permit,
		}),
	}
	if *serverPing > 0 {
		opts = append(opts, grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:    *serverPing,
			Timeout: 20 * time.Second,
		}))
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	srv := grpc.NewServer(opts...)
	hs := health.NewServer() // "" is SERVING by default
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)

	start := time.Now()
	for _, f := range flips {
		f := f
		time.AfterFunc(time.Until(start.Add(f.after)), func() {
			hs.SetServingStatus(f.service, f.status)
			fmt.Fprintf(os.Stderr, "grpcgo-peer: flip %q -> %v at %v\n", f.service, f.status, time.Since(start))
		})
	}

	done := make(chan string, 2)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		done <- "stdin EOF"
	}()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		done <- (<-sig).String()
	}()
	go func() {
		if err := srv.Serve(lis); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
	}()

	// os.Stdout is an unbuffered *os.File: this single write reaches the pipe immediately.
	fmt.Fprintf(os.Stdout, "LISTENING %s\n", lis.Addr().String())
	os.Stdout.Sync()

	why := <-done
	fmt.Fprintln(os.Stderr, "grpcgo-peer: exiting:", why)
	srv.Stop()
	os.Exit(0)
}
