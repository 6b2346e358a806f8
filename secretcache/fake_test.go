package secretcache

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// fakeClient is a Secrets Manager that answers from a map, counts calls, and
// can fail or block on demand.
type fakeClient struct {
	SecretsManagerAPIClient // nil: the cache calls only GetSecretValue

	calls atomic.Int64

	mu       sync.Mutex
	versions map[string]map[string]*secretsmanager.GetSecretValueOutput // guarded by mu: id → stage → output
	err      error                                                      // guarded by mu: returned by every call when set
	gate     chan struct{}                                              // guarded by mu: calls wait for it to close when set
}

func newFake() *fakeClient {
	return &fakeClient{versions: map[string]map[string]*secretsmanager.GetSecretValueOutput{}}
}

// put stores a string version of id under stage.
func (f *fakeClient) put(id, stage, versionID, value string) {
	f.store(id, stage, &secretsmanager.GetSecretValueOutput{
		Name: aws.String(id), ARN: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id + "-AbCdEf"),
		VersionId: aws.String(versionID), VersionStages: []string{stage}, SecretString: aws.String(value),
		CreatedDate: aws.Time(time.Unix(1700000000, 0)),
	})
}

func (f *fakeClient) putBinary(id, stage, versionID string, b []byte) {
	f.store(id, stage, &secretsmanager.GetSecretValueOutput{
		Name: aws.String(id), VersionId: aws.String(versionID), VersionStages: []string{stage}, SecretBinary: b,
	})
}

func (f *fakeClient) store(id, stage string, out *secretsmanager.GetSecretValueOutput) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.versions[id] == nil {
		f.versions[id] = map[string]*secretsmanager.GetSecretValueOutput{}
	}
	f.versions[id][stage] = out
}

// remove deletes the version of id under stage, or with stage "" the whole
// secret.
func (f *fakeClient) remove(id, stage string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if stage == "" {
		delete(f.versions, id)
		return
	}
	delete(f.versions[id], stage)
}

func (f *fakeClient) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

// hold makes calls block until the returned function is called.
func (f *fakeClient) hold() (release func()) {
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.gate = nil
			f.mu.Unlock()
			close(gate)
		})
	}
}

// GetSecretValue answers from the versions as they are when the call
// arrives; a held call then waits, so that its answer, given before any
// later change, arrives late, as a slow response does.
func (f *fakeClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls.Add(1)
	out, err, gate := f.answer(aws.ToString(in.SecretId), aws.ToString(in.VersionStage))
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, err
}

func (f *fakeClient) answer(id, stage string) (*secretsmanager.GetSecretValueOutput, error, chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err, f.gate
	}
	stages, ok := f.versions[id]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}, f.gate
	}
	out, ok := stages[stage]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for staging label: " + stage)}, f.gate
	}
	cp := *out
	return &cp, nil, f.gate
}

// unhold lets calls that arrive from now on through, while those held so
// far keep waiting for their release.
func (f *fakeClient) unhold() {
	f.mu.Lock()
	f.gate = nil
	f.mu.Unlock()
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1700000000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves time forward by d and runs the timers that fall due, in
// order, in the calling goroutine, including timers that those timers arm
// within the new time.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	for {
		t := c.nextDue()
		if t == nil {
			return
		}
		t.f()
	}
}

// nextDue removes and returns the earliest timer due now, or nil.
func (c *fakeClock) nextDue() *fakeTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next *fakeTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case next == nil && !t.at.After(c.now):
			next = t
		case !t.at.After(c.now) && t.at.Before(next.at):
			kept = append(kept, next)
			next = t
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	if next != nil {
		next.stopped = true
	}
	return next
}

// pending counts timers not yet fired or stopped.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// newTestCache returns a cache over a fake client and a fake clock, closed
// when the test ends.
func newTestCache(t testing.TB, fn func(*Cache)) (*Cache, *fakeClient, *fakeClock) {
	t.Helper()
	f := newFake()
	clk := newFakeClock()
	c, err := newCache(clk, func(c *Cache) {
		c.Client = f
		if fn != nil {
			fn(c)
		}
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, f, clk
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// goroutinesSettle waits for the goroutine count to drop back to base.
func goroutinesSettle(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: got %d, want at most %d\n%s", n, base, buf)
		}
		time.Sleep(time.Millisecond)
	}
}

// inFlight reports whether a fetch of the slot of (id, stage) is in flight.
func (c *Cache) inFlight(id, stage string) bool {
	s := c.ix.lookup(id, stage)
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flight != nil
}

// refreshNowErr is RefreshNow with the outcome that Refresh reports.
func (c *Cache) refreshNowErr(id string) error {
	_, err := c.Refresh(context.Background(), id, "")
	return err
}

// LoopUntil runs f over and over on n goroutines, numbered 0 to n-1 and
// counted by wg, until ctx ends. It is exported for the external test
// package too.
func LoopUntil(ctx context.Context, wg *sync.WaitGroup, n int, f func(g int)) {
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				f(g)
			}
		}()
	}
}
