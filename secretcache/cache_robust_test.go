package secretcache

import (
	"context"
	"errors"
	"testing"
)

// TestDoneContextOnAHit: a hit is served whatever its context, as in
// AWS's library (checking the context would cost every hit); what a done
// context prevents is waiting: no call, no fetch, nothing new cached.
func TestDoneContextOnAHit(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", `{"password":"`+hunter+`"}`)
	f.putBinary("bin", "AWSCURRENT", "v1", []byte(hunter))
	c.GetSecretString("db")
	c.GetSecretBinary("bin")
	calls, entries := f.calls.Load(), c.Len()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name string
		call func() error
	}{
		{"GetSecretStringWithContext", func() error { _, err := c.GetSecretStringWithContext(ctx, "db"); return err }},
		{"GetSecretStringWithStageWithContext", func() error {
			_, err := c.GetSecretStringWithStageWithContext(ctx, "db", "AWSCURRENT")
			return err
		}},
		{"GetSecretBinaryWithContext", func() error { _, err := c.GetSecretBinaryWithContext(ctx, "bin"); return err }},
		{"GetSecretJSON", func() error { return c.GetSecretJSON(ctx, "db", new(any)) }},
		{"GetVersion", func() error { _, err := c.GetVersion(ctx, "db", ""); return err }},
		{"GetSecretStringVersion", func() error { _, _, err := c.GetSecretStringVersion(ctx, "db", ""); return err }},
	} {
		if err := tt.call(); err != nil {
			t.Errorf("%s on a cached secret with a done context: got %v, want the hit", tt.name, err)
		}
	}
	if _, err := c.GetSecretStringWithContext(ctx, "uncached"); !errors.Is(err, context.Canceled) {
		t.Errorf("a miss with a done context: got %v, want context.Canceled", err)
	}
	if f.calls.Load() != calls || c.Len() != entries {
		t.Errorf("calls with a done context called or cached: calls %d → %d, entries %d → %d", calls, f.calls.Load(), entries, c.Len())
	}
}

// TestCallerMutationsStayWithTheCaller: what a getter returns is the
// caller's: changing it does not change the cache.
func TestCallerMutationsStayWithTheCaller(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.putBinary("bin", "AWSCURRENT", "v1", []byte("binary"))
	b, _ := c.GetSecretBinary("bin")
	clear(b)
	v, _ := c.GetVersion(context.Background(), "bin", "")
	v.Stages[0] = "CHANGED"
	if got, _ := c.GetSecretBinary("bin"); string(got) != "binary" {
		t.Errorf("GetSecretBinary after the caller cleared its copy: got %q", got)
	}
	if v, _ := c.GetVersion(context.Background(), "bin", ""); v.Stages[0] != "AWSCURRENT" {
		t.Errorf("GetVersion after the caller changed its copy: got %q", v.Stages)
	}
}
