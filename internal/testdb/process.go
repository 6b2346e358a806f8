package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// process is a long-running server child. It leads its own process group so
// that stop can kill the server together with its helpers.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the child has exited and been reaped
	err     error         // exit status; read only after done is closed
}

// startProcess starts cmd with its output appended to logPath.
//
// The child gets SIGKILL when the thread that forked it ends (Pdeathsig), so
// a crashing test binary does not leave a server behind. Go may retire an
// unlocked thread at any time, so the fork happens on a goroutine that stays
// locked to its thread until the child is reaped.
func startProcess(name string, cmd *exec.Cmd, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("testdb: %s log: %w", name, err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL

	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread must outlive the child
		defer logFile.Close()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("testdb: start %s: %w", name, err)
	}
	return p, nil
}

// exited reports whether the child has already exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the server to shut down with sig, waits up to grace, then kills
// the whole process group. It returns once the child has been reaped.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	pid := p.cmd.Process.Pid
	if !p.exited() {
		_ = syscall.Kill(pid, sig)
		select {
		case <-p.done:
		case <-time.After(grace):
		}
	}
	// Also reaps helpers (e.g. PostgreSQL backends) that outlived the leader.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-p.done
}

// logTail returns the end of the server's log, with secrets redacted, for
// error messages.
func (p *process) logTail(secrets ...string) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return redact(strings.TrimSpace(string(b)), secrets...)
}

// waitReady polls probe until it succeeds, the process exits or timeout
// passes. It returns errExited when the process ended first, so that the
// caller may retry on another port.
func (p *process) waitReady(timeout time.Duration, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		err := probe(attempt)
		cancelAttempt()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%w: %s: %v", errExited, p.name, p.err)
		case <-ctx.Done():
			return fmt.Errorf("testdb: %s not ready after %v: %w", p.name, timeout, err)
		case <-tick.C:
		}
	}
}

// errExited reports a server that exited while starting.
var errExited = errors.New("testdb: server exited during start-up")

// retryOnExit calls start up to three times while it fails with errExited,
// which most likely means the server lost its port to another process.
func retryOnExit(start func() (*Server, error)) (*Server, error) {
	for attempt := 0; ; attempt++ {
		s, err := start()
		if errors.Is(err, errExited) && attempt < 2 {
			continue
		}
		return s, err
	}
}

// runTool runs a short-lived set-up tool (initdb, mariadb-install-db) and
// returns its output in the error when it fails.
func runTool(cmd *exec.Cmd, timeout time.Duration, secrets ...string) error {
	timer := time.AfterFunc(timeout, func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	})
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("testdb: %s: %v\n%s", cmd.Args[0], err, redact(strings.TrimSpace(string(out)), secrets...))
	}
	return nil
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago. A
// server that then loses the race exits, and the caller retries.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testdb: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// randomPassword returns a password that needs no quoting anywhere.
func randomPassword() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on Linux
	return hex.EncodeToString(b)
}

// redact replaces every non-empty secret in s.
func redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
