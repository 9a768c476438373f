//go:build linux || darwin

package main

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestSvcRunManagedStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		started := make(chan struct{})
		cleaned := errors.New("cleaned up after cancel")
		res := svcManaged(func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			return cleaned
		})
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatal("run never started")
		}
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
		if err := svcWaitResult(t, res); !errors.Is(err, cleaned) {
			t.Fatalf("%v: runManaged = %v, want run's own result %v", sig, err, cleaned)
		}
	}
}
