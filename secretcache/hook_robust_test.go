package secretcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// junkHook is a CacheHook whose methods do what put and get say.
type junkHook struct{ put, get func(any) any }

func (h junkHook) Put(d interface{}) interface{} { return h.put(d) }
func (h junkHook) Get(d interface{}) interface{} { return h.get(d) }

// TestHookJunkIsAnError: whatever a hook returns or panics with, on
// whichever path it runs (a miss, Refresh, Prefetch, a read of an expired
// value with its background refresh), the caller gets an error where the
// hook failed, never a crash, and the error does not quote the secret.
// Refresh and Prefetch report only what Put did: they never call Get.
func TestHookJunkIsAnError(t *testing.T) {
	t.Parallel()
	id := func(d any) any { return d }
	hooks := []struct {
		name     string
		hook     junkHook
		putFails bool
	}{
		{"Put returns nil", junkHook{func(any) any { return nil }, id}, false},
		{"Put returns a typed nil", junkHook{func(any) any { return (*secretsmanager.GetSecretValueOutput)(nil) }, id}, false},
		{"Put returns an error", junkHook{func(any) any { return errors.New("cannot seal") }, id}, true},
		{"Put panics with the secret", junkHook{func(d any) any { panic("cannot seal " + hunter) }, id}, true},
		{"Put panics with an error", junkHook{func(d any) any { panic(fmt.Errorf("cannot seal %s", hunter)) }, id}, true},
		{"Put panics with the output", junkHook{func(d any) any { panic(d) }, id}, true},
		{"Get returns nil", junkHook{id, func(any) any { return nil }}, false},
		{"Get returns a string", junkHook{id, func(any) any { return hunter }}, false},
		{"Get returns the output by value", junkHook{id, func(d any) any { return *d.(*secretsmanager.GetSecretValueOutput) }}, false},
		{"Get returns an empty output", junkHook{id, func(any) any { return &secretsmanager.GetSecretValueOutput{} }}, false},
		{"Get panics with the secret", junkHook{id, func(any) any { panic(hunter) }}, false},
		{"Get panics with the output", junkHook{id, func(d any) any { panic(d) }}, false},
	}
	for _, h := range hooks {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			c, f, clk := newTestCache(t, func(c *Cache) { c.Hook = h.hook; c.CacheItemTTL = int64(time.Minute) })
			f.put("db", "AWSCURRENT", "v1", hunter)
			check := func(what string, err error, wantErr bool) {
				t.Helper()
				if (err != nil) != wantErr {
					t.Errorf("%s: got error %v, want an error: %v", what, err, wantErr)
				}
				if err == nil {
					return
				}
				for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
					if strings.Contains(s, hunter) {
						t.Errorf("%s: the error reveals the secret: %s", what, s)
					}
				}
			}
			_, err := c.GetSecretString("db")
			check("miss", err, true)
			_, err = c.Refresh(context.Background(), "db", "")
			check("Refresh", err, h.putFails)
			check("Prefetch", c.Prefetch(context.Background(), "db"), h.putFails)
			clk.Advance(time.Minute) // a background refresh, if anything is cached
			_, err = c.GetSecretString("db")
			check("read after the TTL", err, true)
			_, err = c.GetSecretBinary("db")
			check("GetSecretBinary", err, true)
		})
	}
}

// TestHookErrorIsNotQuoted: a hook's panic value is kept out of the
// error text because "it may hold the secret"; an error value the hook
// returns may hold it just as well (a failing cipher or encoder quoting its
// input), and the package promises that no error contains a secret value.
func TestHookErrorIsNotQuoted(t *testing.T) {
	t.Parallel()
	hook := junkHook{func(d any) any {
		return fmt.Errorf("cannot seal %q", aws.ToString(d.(*secretsmanager.GetSecretValueOutput).SecretString))
	}, func(d any) any { return d }}
	var buf bytes.Buffer
	var mu sync.Mutex
	c, f, _ := newTestCache(t, func(c *Cache) {
		c.Hook = hook
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
	})
	f.put("db", "AWSCURRENT", "v1", hunter)
	_, err := c.GetSecretString("db")
	var he *HookError
	if !errors.As(err, &he) {
		t.Fatalf("got %v, want a *HookError", err)
	}
	if strings.Contains(err.Error(), hunter) {
		t.Errorf("the error reveals the secret: %s", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(buf.String(), hunter) {
		t.Errorf("the log reveals the secret: %s", buf.String())
	}
}
