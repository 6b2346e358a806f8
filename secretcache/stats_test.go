package secretcache

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// panicHandler is a slog.Handler that panics, in Enabled or in Handle.
type panicHandler struct{ inEnabled bool }

func (h panicHandler) Enabled(context.Context, slog.Level) bool {
	if h.inEnabled {
		panic("Enabled " + hunter)
	}
	return true
}
func (h panicHandler) Handle(context.Context, slog.Record) error { panic("Handle " + hunter) }
func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h panicHandler) WithGroup(string) slog.Handler             { return h }

// TestPanickingLoggerCrashesNothing: a Logger whose handler panics
// is called on the cache's own goroutines (background refreshes, scheduled
// forced refreshes); the process must survive and the cache keep working.
func TestPanickingLoggerCrashesNothing(t *testing.T) {
	t.Parallel()
	for _, inEnabled := range []bool{false, true} {
		t.Run(fmt.Sprint("in Enabled: ", inEnabled), func(t *testing.T) {
			t.Parallel()
			c, f, clk := newTestCache(t, func(c *Cache) {
				c.Logger = slog.New(panicHandler{inEnabled})
				c.CacheItemTTL = int64(time.Minute)
			})
			f.put("db", "AWSCURRENT", "v1", "good")
			if _, err := c.GetSecretString("db"); err != nil {
				t.Fatal(err)
			}
			f.fail(errOutage)
			clk.Advance(time.Minute)
			c.GetSecretString("db") // a background refresh that fails and logs
			eventually(t, "the failure is counted", func() bool { return c.Stats().LoadErrors == 1 })
			f.fail(nil)
			go c.Refresh(context.Background(), "db", "") // a forced fetch: recovers and logs
			eventually(t, "the recovery", func() bool { return f.calls.Load() == 3 })
			eventually(t, "the value is fresh again", func() bool { return !c.inFlight("db", "") })
			if got, err := c.GetSecretString("db"); err != nil || got != "good" {
				t.Errorf("after a panicking logger: got %q, %v", got, err)
			}
		})
	}
}
