// Command observability shows how a service watches its secret cache: the
// cache's counters exported through expvar (and so at /debug/vars), and
// refresh failures and recoveries logged as JSON through log/slog.
//
// It runs against the in-process Secrets Manager, so it needs no AWS
// account: it reads a secret, makes the service fail once while it forces a
// refresh, forces another that succeeds, prints the counters and exits. The
// two log records go to stderr:
//
//	{"time":"...","level":"WARN","msg":"secretcache: fetch failed","secret_id":"prod/app/api-key","stage":"AWSCURRENT","failures":1,"retry_in":...,"error":"..."}
//	{"time":"...","level":"INFO","msg":"secretcache: fetch recovered","secret_id":"prod/app/api-key","stage":"AWSCURRENT","after_failures":1}
//
// With -listen, it then serves the counters at http://ADDR/debug/vars until
// interrupted:
//
//	go run ./examples/observability -listen localhost:8080
//	curl -s localhost:8080/debug/vars | jq .secretcache
//
// In a service, the same three lines do the work: set CacheConfig.Logger,
// expvar.Publish a Func returning cache.Stats(), and import expvar's handler
// on whatever mux already serves health checks. Records carry the secret ID,
// stage and error, never a value, so they are safe for ordinary log storage.
package main

import (
	"context"
	"expvar"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const secretID = "prod/app/api-key"

func main() {
	listen := flag.String("listen", "", "serve /debug/vars on this address after the demo (default: exit)")
	flag.Parse()

	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	if _, err := srv.CreateSecret(secretID, "demo-api-key-value"); err != nil {
		log.Fatal(err)
	}
	cache, err := newCache(srv.Client(), os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()
	expvar.Publish("secretcache", statsVar(cache))

	if err := demo(context.Background(), srv, cache); err != nil {
		log.Fatal(err)
	}
	fmt.Println(expvar.Get("secretcache"))

	if *listen != "" {
		// expvar registers /debug/vars on http.DefaultServeMux when imported.
		log.Fatal(http.ListenAndServe(*listen, nil))
	}
}

// newCache builds a cache that logs refresh failures and recoveries as JSON
// lines to w.
func newCache(client secretcache.SecretsManagerAPIClient, w io.Writer) (*secretcache.Cache, error) {
	logger := slog.New(slog.NewJSONHandler(w, nil))
	return secretcache.New(func(c *secretcache.Cache) {
		c.Client = client
		c.Logger = logger
		// Forced refreshes are rate-limited per secret (1 s by default) so
		// that callers reacting to the same failure cost one call; the demo
		// lowers the limit to force two fetches back to back. A service
		// keeps the default.
		c.MinRefreshInterval = time.Nanosecond
	})
}

// statsVar exposes the cache's counters as an expvar variable. expvar.Func
// calls it on every read of /debug/vars, so the numbers are always current
// and nothing has to poll the cache.
func statsVar(c *secretcache.Cache) expvar.Func {
	return func() any { return c.Stats() }
}

// demo reads the secret, then makes one forced refresh fail and the next
// succeed, which produces one failure and one recovery record.
func demo(ctx context.Context, srv *secretsmanagertest.Server, cache *secretcache.Cache) error {
	if _, err := cache.GetSecretStringWithContext(ctx, secretID); err != nil {
		return err
	}
	srv.InjectFault("GetSecretValue", secretsmanagertest.Fault{Kind: secretsmanagertest.InternalError, Count: 1})
	if _, err := cache.Refresh(ctx, secretID, ""); err == nil {
		return fmt.Errorf("observability: refresh succeeded despite the injected fault")
	}
	// The failed refresh left the last good value in place.
	if _, err := cache.GetSecretStringWithContext(ctx, secretID); err != nil {
		return err
	}
	_, err := cache.Refresh(ctx, secretID, "")
	return err
}
