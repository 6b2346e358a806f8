package secretcache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// badClient answers every call with what answer returns, which may panic.
type badClient struct {
	SecretsManagerAPIClient
	answer func() (*secretsmanager.GetSecretValueOutput, error)
}

func (b badClient) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return b.answer()
}

func (b badClient) BatchGetSecretValue(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	_, err := b.answer()
	return nil, err
}

// TestMisbehavingClientIsAnError runs every path that calls the client —
// a miss in the caller's goroutine and in one of the cache's, a background
// refresh, a forced refresh, a prefetch — against clients that return
// neither a value nor an error, or panic. Each must be an error for the
// caller, never a crash.
func TestMisbehavingClientIsAnError(t *testing.T) {
	t.Parallel()
	clients := []struct {
		name   string
		answer func() (*secretsmanager.GetSecretValueOutput, error)
		want   func(error) bool
	}{
		{"nil, nil", func() (*secretsmanager.GetSecretValueOutput, error) { return nil, nil },
			func(err error) bool { return err != nil }},
		{"panic", func() (*secretsmanager.GetSecretValueOutput, error) { panic("client bug " + hunter) },
			func(err error) bool { var pe *PanicError; return errors.As(err, &pe) }},
		{"nil dereference", func() (*secretsmanager.GetSecretValueOutput, error) {
			var out *secretsmanager.GetSecretValueOutput
			_ = *out.Name
			return out, nil
		}, func(err error) bool { var pe *PanicError; return errors.As(err, &pe) }},
	}
	paths := []struct {
		name string
		run  func(c *Cache) error
	}{
		{"miss", func(c *Cache) error { _, err := c.GetSecretString("db"); return err }},
		{"miss with a deadline", func(c *Cache) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := c.GetSecretStringWithContext(ctx, "db")
			return err
		}},
		{"Refresh", func(c *Cache) error { _, err := c.Refresh(context.Background(), "db", ""); return err }},
		{"Prefetch", func(c *Cache) error { return c.Prefetch(context.Background(), "db", "other") }},
	}
	for _, cl := range clients {
		for _, p := range paths {
			t.Run(cl.name+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				c, _, _ := newTestCache(t, func(c *Cache) { c.Client = badClient{answer: cl.answer} })
				err := p.run(c)
				if !cl.want(err) {
					t.Fatalf("got %v, want an error of the right kind", err)
				}
				if err != nil && containsSecret(err.Error()) {
					t.Errorf("error reveals the panic value: %v", err)
				}
			})
		}
	}
}

func containsSecret(s string) bool {
	for i := 0; i+len(hunter) <= len(s); i++ {
		if s[i:i+len(hunter)] == hunter {
			return true
		}
	}
	return false
}

// TestBackgroundRefreshSurvivesPanickingClient: a background refresh runs
// on a goroutine no caller can recover; a panicking client there must be an
// ordinary failure, the last good value served.
func TestBackgroundRefreshSurvivesPanickingClient(t *testing.T) {
	t.Parallel()
	f := newFake()
	f.put("db", "AWSCURRENT", "v1", hunter)
	panicking := false
	c, _, clk := newTestCache(t, func(c *Cache) {
		c.CacheItemTTL = int64(time.Minute)
		c.Client = badClient{answer: func() (*secretsmanager.GetSecretValueOutput, error) {
			if panicking {
				panic("client bug")
			}
			return f.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: strPtr("db"), VersionStage: strPtr("AWSCURRENT")})
		}}
	})
	if _, err := c.GetSecretString("db"); err != nil {
		t.Fatal(err)
	}
	panicking = true // written before the refresh starts, read by it after
	clk.Advance(time.Minute)
	c.GetSecretString("db")
	eventually(t, "the refresh fails", func() bool { return c.Stats().LoadErrors == 1 })
	eventually(t, "the refresh ends", func() bool { return !c.inFlight("db", "") })
	if got, err := c.GetSecretString("db"); err != nil || got != hunter {
		t.Errorf("after a panicking refresh: got an error %v, want the last good value", err)
	}
}

func strPtr(s string) *string { return &s }

// TestMissAfterFetchEndedTakesItsValue: a caller that found no value but
// reaches the slot after a fetch stored one gets that value, and starts no
// fetch of its own (two concurrent first reads cost one call even when the
// second is slow to arrive).
func TestMissAfterFetchEndedTakesItsValue(t *testing.T) {
	t.Parallel()
	c, _, _ := newTestCache(t, nil)
	s := newSlot("db", "AWSCURRENT")
	s.settle(c, 1, &value{meta: Version{VersionID: "v1"}}, nil, time.Now(), newCall(false))
	v, cl, start, err := s.joinMiss(c, false)
	if v == nil || v.meta.VersionID != "v1" || cl != nil || start || err != nil {
		t.Fatalf("joinMiss: got (%v, %v, %v, %v), want the stored value and no fetch", v, cl, start, err)
	}
}
