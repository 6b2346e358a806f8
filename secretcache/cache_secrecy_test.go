package secretcache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestNoFormattedSecret formats, with %v, %+v and %#v, a value of
// every exported type of the package and every error the cache returns on
// a path that had the secret in hand — a client that panics with it, a
// hook that panics with it, a JSON secret of the wrong shape — and checks
// that none shows the secret. The package documentation promises: "No
// error, log record, panic or formatted value of a type of this package
// contains a secret value."
func TestNoFormattedSecret(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", `{"password":"`+hunter+`"}`)
	f.putBinary("bin", "AWSCURRENT", "v1", []byte(hunter))
	c.GetSecretString("db")
	c.GetSecretBinary("bin")
	version, _ := c.GetVersion(context.Background(), "db", "")

	var errs []error
	_, err := c.GetSecretString("bin") // a binary secret through the string getter
	errs = append(errs, err)
	_, err = c.GetSecretBinary("db")
	errs = append(errs, err)
	errs = append(errs, c.GetSecretJSON(context.Background(), "db", new(struct{ Password int })))
	errs = append(errs, c.GetSecretJSON(context.Background(), "bin", new(any)))

	panicking, _, _ := newTestCache(t, func(c *Cache) {
		c.Client = badClient{answer: func() (*secretsmanager.GetSecretValueOutput, error) {
			panic(&secretsmanager.GetSecretValueOutput{SecretString: aws.String(hunter)})
		}}
	})
	_, err = panicking.GetSecretString("db")
	errs = append(errs, err)
	panicking2, _, _ := newTestCache(t, func(c *Cache) {
		c.Client = badClient{answer: func() (*secretsmanager.GetSecretValueOutput, error) { panic("the secret is " + hunter) }}
	})
	_, err = panicking2.GetSecretString("db")
	errs = append(errs, err)

	hooked, hf, _ := newTestCache(t, func(c *Cache) {
		c.Hook = junkHook{func(d any) any { return d }, func(d any) any { panic(d) }}
	})
	hf.put("db", "AWSCURRENT", "v1", hunter)
	_, err = hooked.GetSecretString("db")
	errs = append(errs, err)

	_, err = c.GetSecretStringWithStage("db", "AWSPENDING") // *VersionNotFoundError
	errs = append(errs, err)
	_, err = New(func(c *Cache) { c.Client = f; c.MaxCacheSize = -1 }) // *InvalidConfigError
	errs = append(errs, err)

	values := []any{c, version, c.Stats(), c.CacheConfig}
	for _, err := range errs {
		if err == nil {
			t.Fatal("a path that should fail returned nil")
		}
		values = append(values, err)
		// What a caller reaches with errors.As, formatted on its own.
		var pe *PanicError
		if errors.As(err, &pe) {
			values = append(values, pe, *pe)
		}
		var he *HookError
		if errors.As(err, &he) {
			values = append(values, he)
		}
		var je *JSONError
		if errors.As(err, &je) {
			values = append(values, je)
		}
		var ie *InvalidOperationError
		if errors.As(err, &ie) {
			values = append(values, ie)
		}
		var ve *VersionNotFoundError
		if errors.As(err, &ve) {
			values = append(values, ve)
		}
	}
	for i, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, hunter) {
				t.Errorf("value %d (%T) formatted with %s shows the secret: %.200s", i, v, verb, s)
			}
		}
	}
}

// TestHitsDoNotAllocate: the package documentation says "A hit takes
// no lock, makes no allocation (without a hook)". Every getter, on every
// stage, is checked. Not parallel: AllocsPerRun counts the whole
// process's allocations.
func TestHitsDoNotAllocate(t *testing.T) {
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", hunter)
	f.put("db", "AWSPENDING", "v2", hunter)
	f.putBinary("bin", "AWSCURRENT", "v1", []byte(hunter))
	f.putBinary("bin", "AWSPENDING", "v2", []byte(hunter))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, tt := range []struct {
		name string
		get  func() error
	}{
		{"GetSecretString", func() error { _, err := c.GetSecretString("db"); return err }},
		{"GetSecretStringWithContext", func() error { _, err := c.GetSecretStringWithContext(ctx, "db"); return err }},
		{"GetSecretStringWithStage default", func() error { _, err := c.GetSecretStringWithStage("db", "AWSCURRENT"); return err }},
		{"GetSecretStringWithStage empty", func() error { _, err := c.GetSecretStringWithStage("db", ""); return err }},
		{"GetSecretStringWithStage AWSPENDING", func() error { _, err := c.GetSecretStringWithStage("db", "AWSPENDING"); return err }},
		{"GetSecretStringWithStageWithContext AWSPENDING", func() error {
			_, err := c.GetSecretStringWithStageWithContext(ctx, "db", "AWSPENDING")
			return err
		}},
		{"GetSecretBinary", func() error { _, err := c.GetSecretBinary("bin"); return err }},
		{"GetSecretBinaryWithStage AWSPENDING", func() error { _, err := c.GetSecretBinaryWithStage("bin", "AWSPENDING"); return err }},
	} {
		if err := tt.get(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want := 0.0
		if strings.HasPrefix(tt.name, "GetSecretBinary") {
			want = 1 // the copy it returns, which the caller may modify
		}
		if allocs := testing.AllocsPerRun(1000, func() { tt.get() }); allocs != want {
			t.Errorf("%s hit: %v allocations, want %v", tt.name, allocs, want)
		}
	}
}
