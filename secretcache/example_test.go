package secretcache_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// newExampleCache starts an in-process Secrets Manager holding one secret and
// a cache reading from it. Real programs call secretcache.New() with no
// options, or set Client to their own *secretsmanager.Client.
func newExampleCache() (*secretcache.Cache, *secretsmanagertest.Server) {
	srv := secretsmanagertest.NewServer()
	if _, err := srv.CreateSecret("prod/app/db", `{"username":"app","password":"example-only"}`); err != nil {
		log.Fatal(err)
	}
	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	if err != nil {
		log.Fatal(err)
	}
	return cache, srv
}

func ExampleNew() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	srv.CreateSecret("prod/app/api-key", "example-key")

	cache, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = srv.Client()
		c.CacheItemTTL = int64(5 * 60 * 1e9) // 5 minutes, in nanoseconds
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()

	for range 1000 {
		if _, err := cache.GetSecretString("prod/app/api-key"); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("reads: 1000, API calls:", srv.Calls("GetSecretValue"))
	// Output: reads: 1000, API calls: 1
}

func ExampleCache_GetSecretString() {
	cache, srv := newExampleCache()
	defer srv.Close()
	defer cache.Close()

	secret, err := cache.GetSecretString("prod/app/db")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(secret) > 0)

	_, err = cache.GetSecretString("prod/app/missing")
	var notFound *types.ResourceNotFoundException
	fmt.Println(errors.As(err, &notFound))
	// Output:
	// true
	// true
}

func ExampleCache_GetSecretJSON() {
	cache, srv := newExampleCache()
	defer srv.Close()
	defer cache.Close()

	var creds struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := cache.GetSecretJSON(context.Background(), "prod/app/db", &creds); err != nil {
		log.Fatal(err)
	}
	fmt.Println(creds.Username)
	// Output: app
}

func ExampleCache_RefreshNow() {
	cache, srv := newExampleCache()
	defer srv.Close()
	defer cache.Close()
	ctx := context.Background()

	before, _ := cache.GetVersion(ctx, "prod/app/db", "")
	newVersion, _ := srv.Rotate(ctx, "prod/app/db", `{"username":"app","password":"rotated"}`)

	// The cache still serves the old version until its TTL passes, or until
	// the program learns of the rotation (say, from a failed login) and asks.
	// RefreshNow reports nothing, as in AWS's library; Refresh reports the
	// outcome.
	cache.RefreshNow("prod/app/db")
	after, _ := cache.GetVersion(ctx, "prod/app/db", "")
	fmt.Println(after.VersionID != before.VersionID, after.VersionID == newVersion)
	// Output: true true
}

func ExampleCache_GetSecretStringWithStage() {
	cache, srv := newExampleCache()
	defer srv.Close()
	defer cache.Close()
	srv.Rotate(context.Background(), "prod/app/db", `{"username":"app","password":"rotated"}`)

	previous, _ := cache.GetSecretStringWithStage("prod/app/db", "AWSPREVIOUS")
	current, _ := cache.GetSecretStringWithStage("prod/app/db", "AWSCURRENT")
	fmt.Println(previous != current)
	// Output: true
}

func ExampleCache_Prefetch() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	var ids []string
	for i := range 50 {
		id := fmt.Sprintf("prod/tenant-%d", i)
		srv.CreateSecret(id, "example")
		ids = append(ids, id)
	}
	cache, _ := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	defer cache.Close()

	if err := cache.Prefetch(context.Background(), ids...); err != nil {
		log.Fatal(err)
	}
	for _, id := range ids {
		cache.GetSecretString(id)
	}
	fmt.Println("BatchGetSecretValue:", srv.Calls("BatchGetSecretValue"), "GetSecretValue:", srv.Calls("GetSecretValue"))
	// Output: BatchGetSecretValue: 3 GetSecretValue: 0
}

func ExampleCache_Stats() {
	cache, srv := newExampleCache()
	defer srv.Close()
	defer cache.Close()
	for range 10 {
		cache.GetSecretString("prod/app/db")
	}
	st := cache.Stats()
	fmt.Printf("hits=%d misses=%d loads=%d\n", st.Hits, st.Misses, st.Loads)
	// Output: hits=9 misses=1 loads=1
}

func ExampleCache_Close() {
	cache, srv := newExampleCache()
	defer srv.Close()
	cache.Close()
	_, err := cache.GetSecretString("prod/app/db")
	fmt.Println(errors.Is(err, secretcache.ErrClosed))
	// Output: true
}

func ExampleCache_GetSecretBinary() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	srv.CreateBinarySecret("prod/tls/key", []byte{0xde, 0xad, 0xbe, 0xef})
	cache, _ := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	defer cache.Close()

	key, err := cache.GetSecretBinary("prod/tls/key")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(key))

	_, err = cache.GetSecretString("prod/tls/key")
	var op *secretcache.InvalidOperationError
	fmt.Println(errors.As(err, &op))
	// Output:
	// 4
	// true
}

func ExampleCache_Refresh() {
	cache, srv := newExampleCache()
	defer srv.Close()
	defer cache.Close()
	ctx := context.Background()

	before, _ := cache.GetVersion(ctx, "prod/app/db", "AWSCURRENT")
	after, err := cache.Refresh(ctx, "prod/app/db", "AWSCURRENT")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("changed:", after.VersionID != before.VersionID)

	// AWSPENDING exists only during a rotation.
	_, err = cache.Refresh(ctx, "prod/app/db", "AWSPENDING")
	var vnf *secretcache.VersionNotFoundError
	fmt.Println("no AWSPENDING version:", errors.As(err, &vnf))
	// Output:
	// changed: false
	// no AWSPENDING version: true
}
