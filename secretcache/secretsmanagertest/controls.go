package secretsmanagertest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// AllOperations names every operation at once in SetLatency and
// InjectFault. A setting for a named operation takes precedence over it.
const AllOperations = "*"

// controls holds the per-operation counters and delays.
type controls struct {
	mu      sync.Mutex
	calls   map[string]int           // guarded by mu
	latency map[string]time.Duration // guarded by mu
}

func newControls() *controls {
	return &controls{calls: make(map[string]int), latency: make(map[string]time.Duration)}
}

// reset forgets every count and delay.
func (c *controls) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.calls)
	clear(c.latency)
}

func (c *controls) count(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *controls) latencyFor(op string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.latency[op]; ok {
		return d
	}
	return c.latency[AllOperations]
}

// checkOp panics on a name the server does not implement: a typo in a test
// would otherwise make a fault or latency silently never apply.
func checkOp(op string) {
	if _, ok := operations[op]; !ok && op != AllOperations {
		panic(fmt.Sprintf("secretsmanagertest: unknown operation %q", op))
	}
}

// Calls reports how many requests for op (an API operation name such as
// "GetSecretValue") the server has received since it started or since the
// last ResetCalls. Requests that failed, including by an injected fault,
// count; the Go-side helpers such as CreateSecret and Rotate do not.
func (s *Server) Calls(op string) int {
	s.controls.mu.Lock()
	defer s.controls.mu.Unlock()
	return s.controls.calls[op]
}

// ResetCalls sets every operation's call count back to zero, typically
// after seeding a test's secrets through the client.
func (s *Server) ResetCalls() {
	s.controls.mu.Lock()
	defer s.controls.mu.Unlock()
	clear(s.controls.calls)
}

// SetLatency delays every later request for op (or for AllOperations) by d
// before it is served, faults included. A d of zero removes the delay. The
// delay ends early when the client cancels the request or the server is
// closed, so a client with a deadline returns as soon as it passes.
// SetLatency panics if op is not an operation the server implements.
func (s *Server) SetLatency(op string, d time.Duration) {
	checkOp(op)
	s.controls.mu.Lock()
	defer s.controls.mu.Unlock()
	if d <= 0 {
		delete(s.controls.latency, op)
		return
	}
	s.controls.latency[op] = d
}

// hold waits for d, or for ever when d is negative. If the client gives up
// or the server closes first, it aborts the request: an empty 200 would
// read as a success to the SDK.
func (s *Server) hold(ctx context.Context, d time.Duration) {
	if d == 0 {
		return
	}
	var expired <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-expired:
	case <-ctx.Done():
		panic(http.ErrAbortHandler)
	case <-s.done:
		panic(http.ErrAbortHandler)
	}
}
