package hook_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/hook"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// A cache whose secrets are kept encrypted between calls. With a nil key,
// each process draws its own, so nothing outside the process can open what
// the cache holds.
func ExampleNewAESGCM() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	srv.CreateSecret("prod/app/api-key", "s3cr3t")

	sealer, err := hook.NewAESGCM(nil)
	if err != nil {
		panic(err)
	}
	cache, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = srv.Client()
		c.Hook = sealer
	})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	key, err := cache.GetSecretString("prod/app/api-key")
	fmt.Println(len(key), err)
	// Output: 6 <nil>
}

// Chain composes hooks: here one that rejects secrets that are not JSON
// objects, then AES-GCM sealing of what it lets through. Put runs in order
// and Get in reverse, so the check sees plaintext and the cache sees only
// ciphertext.
func ExampleChain() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	srv.CreateSecret("prod/app/db", `{"username":"app","password":"s3cr3t"}`)
	srv.CreateSecret("prod/app/broken", `not json`)

	requireJSON := hook.Funcs{PutFunc: func(data any) any {
		out := data.(*secretsmanager.GetSecretValueOutput)
		if out.SecretString != nil && !strings.HasPrefix(*out.SecretString, "{") {
			return errors.New("secret is not a JSON object")
		}
		return out
	}}
	sealer, err := hook.NewAESGCM(nil)
	if err != nil {
		panic(err)
	}
	cache, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = srv.Client()
		c.Hook = hook.Chain(requireJSON, sealer)
	})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	var creds struct{ Username string }
	fmt.Println(cache.GetSecretJSON(context.Background(), "prod/app/db", &creds), creds.Username)
	_, err = cache.GetSecretString("prod/app/broken")
	var hookErr *secretcache.HookError
	fmt.Println(errors.As(err, &hookErr), hookErr.Op)
	// Output:
	// <nil> app
	// true Put
}

// Funcs turns functions into a hook; here, counting how often the cache
// hands out a secret.
func ExampleFuncs() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	srv.CreateSecret("prod/app/token", "t0k3n")

	var reads atomic.Int64
	cache, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = srv.Client()
		c.Hook = hook.Funcs{GetFunc: func(data any) any {
			reads.Add(1)
			return data
		}}
	})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	for range 3 {
		cache.GetSecretString("prod/app/token")
	}
	fmt.Println("reads:", reads.Load(), "API calls:", srv.Calls("GetSecretValue"))
	// Output: reads: 3 API calls: 1
}
