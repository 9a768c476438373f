//go:build profile

package sigprofile

// Built with -tags profile, the GUI's programs write profiles for finding
// what their processes spend while they sit idle (docs/benchmarks.md): with
// $PALISADE_PROFILE naming a directory, SIGUSR1 writes the Go heap
// (heap-PID.pprof, after a collection) and SIGUSR2 starts a CPU profile,
// and stops it on the next SIGUSR2 (cpu-PID.pprof). Release builds leave
// it out.

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
)

func init() {
	dir := os.Getenv("PALISADE_PROFILE")
	if dir == "" {
		return
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		var cpu *os.File
		for s := range sig {
			name := func(kind string) string {
				return filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", kind, os.Getpid()))
			}
			switch {
			case s == syscall.SIGUSR1:
				runtime.GC()
				f, err := os.Create(name("heap"))
				if err == nil {
					err = pprof.WriteHeapProfile(f)
					f.Close()
				}
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				slog.Info("heap profile", "err", err, "heap_inuse", m.HeapInuse, "heap_idle", m.HeapIdle,
					"heap_released", m.HeapReleased, "sys", m.Sys, "stacks", m.StackSys)
			case cpu == nil:
				f, err := os.Create(name("cpu"))
				if err == nil {
					if err = pprof.StartCPUProfile(f); err == nil {
						cpu = f
					}
				}
				slog.Info("CPU profile started", "err", err)
			default:
				pprof.StopCPUProfile()
				cpu.Close()
				cpu = nil
				slog.Info("CPU profile written")
			}
		}
	}()
}
