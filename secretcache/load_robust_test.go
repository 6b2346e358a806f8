package secretcache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// goexitClient ends the goroutine of its first call with runtime.Goexit, as
// a mock that calls t.Fatal from inside GetSecretValue does, and answers
// every later call.
type goexitClient struct {
	SecretsManagerAPIClient
	calls atomic.Int64
}

func (g *goexitClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if g.calls.Add(1) == 1 {
		runtime.Goexit()
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String("v1"),
		VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("value")}, nil
}

// TestGoexitInClientDoesNotWedgeTheKey: a client (or hook) that ends
// its goroutine with runtime.Goexit — t.Fatal in a mock does — never
// returns, so the fetch is never settled. Later reads of the key must not
// wait forever for it: they must get a fetch of their own.
func TestGoexitInClientDoesNotWedgeTheKey(t *testing.T) {
	t.Parallel()
	paths := []struct {
		name  string
		first func(c *Cache)
	}{
		{"miss in a goroutine of the cache", func(c *Cache) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			c.GetSecretStringWithContext(ctx, "db")
		}},
		{"miss in the caller's goroutine", func(c *Cache) {
			done := make(chan struct{})
			go func() { defer close(done); c.GetSecretString("db") }()
			<-done
		}},
		{"Refresh", func(c *Cache) {
			done := make(chan struct{})
			go func() { defer close(done); c.Refresh(context.Background(), "db", "") }()
			<-done
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			g := &goexitClient{}
			c, _, _ := newTestCache(t, func(c *Cache) { c.Client = g })
			p.first(c)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			got, err := c.GetSecretStringWithContext(ctx, "db")
			if err != nil || got != "value" {
				t.Errorf("read after the client's goroutine exited: got %q, %v (client calls: %d); want the value from a new call", got, err, g.calls.Load())
			}
		})
	}
}

// ctxClient is a fakeClient that, like the SDK, fails at once on a context
// that is already done.
type ctxClient struct{ *fakeClient }

func (c ctxClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if err := ctx.Err(); err != nil {
		c.calls.Add(1)
		return nil, err
	}
	return c.fakeClient.GetSecretValue(ctx, in, o...)
}

// TestFetchTimeoutExtremes: FetchTimeout accepts any non-negative
// duration. The largest ones mean "no timeout"; they must not overflow into
// a deadline in the past, which fails every fetch.
func TestFetchTimeoutExtremes(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{math.MaxInt64, math.MaxInt64 - time.Millisecond, 1<<63 - 1 - time.Second + 1} {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			t.Parallel()
			f := newFake()
			c, err := New(func(c *Cache) { c.Client = ctxClient{f}; c.FetchTimeout = d })
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			f.put("db", "AWSCURRENT", "v1", "value")
			if got, err := c.GetSecretString("db"); err != nil || got != "value" {
				t.Errorf("FetchTimeout %d: got %q, %v; want the value", d, got, err)
			}
		})
	}
	t.Run("1ns", func(t *testing.T) {
		t.Parallel()
		f := newFake()
		c, err := New(func(c *Cache) { c.Client = ctxClient{f}; c.FetchTimeout = 1 })
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		f.put("db", "AWSCURRENT", "v1", "value")
		if _, err := c.GetSecretString("db"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("FetchTimeout 1ns: got %v, want a deadline error", err)
		}
	})
}

// mutatingClient hands out outputs and then, like a client that reuses its
// buffers, overwrites them after returning.
type mutatingClient struct {
	SecretsManagerAPIClient
	last atomic.Pointer[secretsmanager.GetSecretValueOutput]
}

func (m *mutatingClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	out := &secretsmanager.GetSecretValueOutput{Name: in.SecretId, VersionId: aws.String("v1"),
		VersionStages: []string{aws.ToString(in.VersionStage)}}
	if aws.ToString(in.SecretId) == "bin" {
		out.SecretBinary = []byte("binary-value")
	} else {
		out.SecretString = aws.String("string-value")
	}
	m.last.Store(out)
	return out, nil
}

func (m *mutatingClient) scribble() {
	out := m.last.Load()
	if out.SecretString != nil {
		*out.SecretString = "scribbled"
	}
	for i := range out.SecretBinary {
		out.SecretBinary[i] = 'X'
	}
	for i := range out.VersionStages {
		out.VersionStages[i] = "SCRIBBLED"
	}
}

// TestClientMutatesItsOutputLater: what the cache serves must be what
// the service answered, even if the client reuses the output's memory
// after returning it.
func TestClientMutatesItsOutputLater(t *testing.T) {
	t.Parallel()
	m := &mutatingClient{}
	c, _, _ := newTestCache(t, func(c *Cache) { c.Client = m })
	if _, err := c.GetSecretString("str"); err != nil {
		t.Fatal(err)
	}
	m.scribble()
	if got, _ := c.GetSecretString("str"); got != "string-value" {
		t.Errorf("GetSecretString after the client reused its output: got %q, want string-value", got)
	}
	if v, _ := c.GetVersion(context.Background(), "str", ""); len(v.Stages) != 1 || v.Stages[0] != "AWSCURRENT" {
		t.Errorf("GetVersion after the client reused its output: got stages %q, want [AWSCURRENT]", v.Stages)
	}
	if _, err := c.GetSecretBinary("bin"); err != nil {
		t.Fatal(err)
	}
	m.scribble()
	if got, _ := c.GetSecretBinary("bin"); string(got) != "binary-value" {
		t.Errorf("GetSecretBinary after the client reused its output: got %q, want binary-value", got)
	}
}

// hangingClient never answers: it returns only when its context ends, or,
// if ignoreCtx, never (until released).
type hangingClient struct {
	SecretsManagerAPIClient
	ignoreCtx bool
	release   chan struct{}
	calls     atomic.Int64
}

func (h *hangingClient) GetSecretValue(ctx context.Context, _ *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	h.calls.Add(1)
	if h.ignoreCtx {
		<-h.release
		return nil, errOutage
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestHangingClient: FetchTimeout bounds a fetch for callers without
// a deadline, and a caller's context bounds its wait even when the client
// ignores contexts; the key is usable again afterwards.
func TestHangingClient(t *testing.T) {
	t.Parallel()
	t.Run("honours its context", func(t *testing.T) {
		t.Parallel()
		h := &hangingClient{}
		c, _, _ := newTestCache(t, func(c *Cache) { c.Client = h; c.FetchTimeout = 50 * time.Millisecond })
		start := time.Now()
		if _, err := c.GetSecretString("db"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want DeadlineExceeded from FetchTimeout", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("GetSecretString took %v with FetchTimeout 50ms", took)
		}
	})
	t.Run("ignores its context", func(t *testing.T) {
		t.Parallel()
		h := &hangingClient{ignoreCtx: true, release: make(chan struct{})}
		c, _, _ := newTestCache(t, func(c *Cache) { c.Client = h; c.FetchTimeout = 50 * time.Millisecond })
		defer close(h.release) // before Close, which waits for the fetch
		for range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			_, err := c.GetSecretStringWithContext(ctx, "db")
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want the caller's DeadlineExceeded", err)
			}
		}
		if n := h.calls.Load(); n != 1 {
			t.Errorf("calls: got %d, want 1: later callers join the hung fetch", n)
		}
	})
}
