package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// A server started by `helpdesk bench -cpuprofile FILE` profiles its CPU
// over the measured time only: bench sends it SIGUSR1 when the closed loop
// starts and SIGUSR2 when it ends, and the server writes the profile to the
// file named in benchProfileEnv.
const benchProfileEnv = "HELPDESK_BENCH_CPUPROFILE"

func init() {
	path := os.Getenv(benchProfileEnv)
	if path == "" {
		return
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		var f *os.File
		for s := range sig {
			switch {
			case s == syscall.SIGUSR1 && f == nil:
				var err error
				if f, err = os.Create(path + ".part"); err != nil {
					fmt.Fprintln(os.Stderr, "helpdesk bench profile:", err)
					continue
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					fmt.Fprintln(os.Stderr, "helpdesk bench profile:", err)
					f.Close()
					f = nil
				}
			case s == syscall.SIGUSR2 && f != nil:
				pprof.StopCPUProfile()
				err := f.Close()
				if err == nil {
					err = os.Rename(path+".part", path) // complete: bench waits for it
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "helpdesk bench profile:", err)
				}
				f = nil
			}
		}
	}()
}

// signal sends s to a child that profiles; others ignore it. After SIGUSR2
// it waits (up to 30 s) for the profile to be written.
func (c *child) signal(s syscall.Signal) {
	if c.profile == "" {
		return
	}
	if s == syscall.SIGUSR1 {
		_ = os.Remove(c.profile)
	}
	_ = c.cmd.Process.Signal(s)
	if s != syscall.SIGUSR2 {
		return
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if _, err := os.Stat(c.profile); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "helpdesk bench: no CPU profile written to", c.profile)
}
