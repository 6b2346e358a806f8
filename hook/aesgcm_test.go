package hook

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// plaintext is distinctive enough that finding it anywhere is no accident.
const plaintext = "correct-horse-battery-staple-7d1f"

// recorder is a hook that remembers the last value the cache stored, so that
// tests can inspect and alter what the cache keeps. Chained after AESGCM, it
// sees the *Sealed.
type recorder struct {
	mu   sync.Mutex
	kept any // guarded by mu
}

func (r *recorder) Put(data any) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kept = data
	return data
}

func (r *recorder) Get(data any) any { return data }

func (r *recorder) sealed(t *testing.T) *Sealed {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.kept.(*Sealed)
	if !ok {
		t.Fatalf("cache stored %T, want *hook.Sealed", r.kept)
	}
	return s
}

// newCache returns a cache using h, backed by a fresh emulator.
func newCache(t testing.TB, h secretcache.CacheHook) (*secretcache.Cache, *secretsmanagertest.Server) {
	t.Helper()
	srv := secretsmanagertest.NewServer()
	t.Cleanup(srv.Close)
	c, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = srv.Client()
		c.Hook = h
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, srv
}

func newAESGCM(t testing.TB) *AESGCM {
	t.Helper()
	h, err := NewAESGCM(nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// secretKinds are the two shapes of secret, each with how to store and read it.
var secretKinds = []struct {
	name   string
	create func(srv *secretsmanagertest.Server, id string) error
	read   func(c *secretcache.Cache, id string) (string, error)
}{
	{
		name: "string",
		create: func(srv *secretsmanagertest.Server, id string) error {
			_, err := srv.CreateSecret(id, plaintext)
			return err
		},
		read: func(c *secretcache.Cache, id string) (string, error) { return c.GetSecretString(id) },
	},
	{
		name: "binary",
		create: func(srv *secretsmanagertest.Server, id string) error {
			_, err := srv.CreateBinarySecret(id, []byte(plaintext))
			return err
		},
		read: func(c *secretcache.Cache, id string) (string, error) {
			b, err := c.GetSecretBinary(id)
			return string(b), err
		},
	},
}

func TestAESGCMRoundTripThroughCache(t *testing.T) {
	t.Parallel()
	for _, k := range secretKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			c, srv := newCache(t, newAESGCM(t))
			if err := k.create(srv, "app/db"); err != nil {
				t.Fatal(err)
			}
			for i, call := range []string{"miss", "hit", "hit"} {
				got, err := k.read(c, "app/db")
				if err != nil || got != plaintext {
					t.Fatalf("%s (read %d): got %q, %v; want %q, nil", call, i, got, err, plaintext)
				}
			}
			if got := srv.Calls("GetSecretValue"); got != 1 {
				t.Errorf("got %d GetSecretValue calls, want 1", got)
			}
		})
	}
}

func TestAESGCMKeepsNoPlaintext(t *testing.T) {
	t.Parallel()
	for _, k := range secretKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			c, srv := newCache(t, Chain(newAESGCM(t), rec))
			if err := k.create(srv, "app/db"); err != nil {
				t.Fatal(err)
			}
			if _, err := k.read(c, "app/db"); err != nil {
				t.Fatal(err)
			}
			s := rec.sealed(t)
			if bytes.Contains(s.blob, []byte(plaintext)) {
				t.Errorf("sealed blob holds the plaintext")
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
				if out := fmt.Sprintf(verb, s); strings.Contains(out, plaintext) || strings.Contains(out, fmt.Sprintf("%x", plaintext)) {
					t.Errorf("%s of the stored value shows the plaintext: %s", verb, out)
				}
			}
			if !strings.Contains(fmt.Sprintf("%#v", s), "app/db") {
				t.Errorf("got %#v, want the secret's name kept in clear", s)
			}
		})
	}
}

func TestAESGCMRoundTripKeepsEverything(t *testing.T) {
	t.Parallel()
	created := time.Date(2024, 5, 1, 12, 0, 0, 123, time.UTC)
	full := func(str *string, bin []byte) *secretsmanager.GetSecretValueOutput {
		return &secretsmanager.GetSecretValueOutput{
			ARN:           aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"),
			Name:          aws.String("app/db"),
			VersionId:     aws.String("v1"),
			VersionStages: []string{"AWSCURRENT", "blue"},
			CreatedDate:   &created,
			SecretString:  str,
			SecretBinary:  bin,
		}
	}
	tests := []struct {
		name string
		in   *secretsmanager.GetSecretValueOutput
	}{
		{"string", full(aws.String(plaintext), nil)},
		{"binary", full(nil, []byte{0, 1, 2, 0xff})},
		{"both", full(aws.String(plaintext), []byte(plaintext))},
		{"empty string", full(aws.String(""), nil)},
		{"empty binary", full(nil, []byte{})},
		{"neither", full(nil, nil)},
		{"no metadata", &secretsmanager.GetSecretValueOutput{SecretString: aws.String(plaintext)}},
	}
	h := newAESGCM(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := h.Get(h.Put(tt.in)).(*secretsmanager.GetSecretValueOutput)
			if !ok {
				t.Fatalf("got %T, want *secretsmanager.GetSecretValueOutput", got)
			}
			if g, w := describe(got), describe(tt.in); g != w {
				t.Errorf("got %s, want %s", g, w)
			}
		})
	}
}

// describe renders every field Put must preserve, telling nil from empty.
func describe(o *secretsmanager.GetSecretValueOutput) string {
	p := func(s *string) string {
		if s == nil {
			return "<nil>"
		}
		return fmt.Sprintf("%q", *s)
	}
	bin := "<nil>"
	if o.SecretBinary != nil {
		bin = fmt.Sprintf("%x", o.SecretBinary)
	}
	created := "<nil>"
	if o.CreatedDate != nil {
		created = o.CreatedDate.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("ARN=%s Name=%s VersionId=%s Stages=%q Created=%s String=%s Binary=%s",
		p(o.ARN), p(o.Name), p(o.VersionId), o.VersionStages, created, p(o.SecretString), bin)
}

func TestAESGCMFreshNoncePerPut(t *testing.T) {
	t.Parallel()
	h := newAESGCM(t)
	in := &secretsmanager.GetSecretValueOutput{VersionId: aws.String("v1"), SecretString: aws.String(plaintext)}
	a, b := h.Put(in).(*Sealed), h.Put(in).(*Sealed)
	ns := h.aead.NonceSize()
	if bytes.Equal(a.blob[:ns], b.blob[:ns]) || bytes.Equal(a.blob, b.blob) {
		t.Errorf("got the same nonce and blob for two Puts, want fresh ones")
	}
}

func TestNewAESGCMKeySizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{"nil draws a key", nil, false},
		{"32 bytes", bytes.Repeat([]byte{7}, 32), false},
		{"empty", []byte{}, true},
		{"16 bytes (AES-128)", make([]byte, 16), true},
		{"24 bytes (AES-192)", make([]byte, 24), true},
		{"33 bytes", make([]byte, 33), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewAESGCM(tt.key)
			if gotErr := err != nil; gotErr != tt.wantErr || (h == nil) != tt.wantErr {
				t.Errorf("got %v, %v; want error %v", h, err, tt.wantErr)
			}
		})
	}
}

func TestNewAESGCMSameKeyOpens(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0x42}, KeySize)
	a, _ := NewAESGCM(key)
	b, _ := NewAESGCM(key)
	got, ok := b.Get(a.Put(&secretsmanager.GetSecretValueOutput{SecretString: aws.String(plaintext)})).(*secretsmanager.GetSecretValueOutput)
	if !ok || aws.ToString(got.SecretString) != plaintext {
		t.Errorf("got %v, want the secret opened by a hook with the same key", got)
	}
}

func TestAESGCMConcurrentHits(t *testing.T) {
	t.Parallel()
	c, srv := newCache(t, newAESGCM(t))
	ids := []string{"a", "b", "c", "d"}
	for _, id := range ids {
		if _, err := srv.CreateSecret(id, plaintext+id); err != nil {
			t.Fatal(err)
		}
	}
	const goroutines, reads = 32, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range reads {
				id := ids[(g+i)%len(ids)]
				got, err := c.GetSecretString(id)
				if err != nil || got != plaintext+id {
					errs <- fmt.Errorf("%s: got %q, %v; want %q", id, got, err, plaintext+id)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := srv.Calls("GetSecretValue"), len(ids); got != want {
		t.Errorf("got %d GetSecretValue calls, want %d", got, want)
	}
}

// TestAESGCMGetWipesItsScratch checks that the buffer a hit decrypts into
// goes back to the pool without the plaintext. It does not run in parallel
// because it inspects the shared pool.
func TestAESGCMGetWipesItsScratch(t *testing.T) {
	h := newAESGCM(t)
	sealed := h.Put(&secretsmanager.GetSecretValueOutput{SecretString: aws.String(plaintext)})
	// The pool may drop a buffer (the race detector makes it do so at
	// random), so try until Get's buffer comes back.
	for range 100 {
		if got, ok := h.Get(sealed).(*secretsmanager.GetSecretValueOutput); !ok || aws.ToString(got.SecretString) != plaintext {
			t.Fatalf("Get: got %v, want the secret", got)
		}
		bufp := scratch.Get().(*[]byte)
		buf := (*bufp)[:cap(*bufp)]
		if len(buf) == 0 {
			continue
		}
		if bytes.Contains(buf, []byte(plaintext)) {
			t.Fatal("a pooled buffer still holds the plaintext after Get")
		}
		return
	}
	t.Fatal("no buffer came back to the pool in 100 hits")
}

// TestAESGCMFreshBinary checks what FreshBinary promises: every Get hands
// out a slice of its own, which the caller may wipe without touching the
// sealed value or another hit's slice.
func TestAESGCMFreshBinary(t *testing.T) {
	t.Parallel()
	h, err := NewAESGCM(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !h.FreshBinary() {
		t.Fatal("FreshBinary: got false")
	}
	secret := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	sealed := h.Put(&secretsmanager.GetSecretValueOutput{SecretBinary: slices.Clone(secret)})
	get := func() []byte {
		out, ok := h.Get(sealed).(*secretsmanager.GetSecretValueOutput)
		if !ok {
			t.Fatalf("Get: got %T", out)
		}
		return out.SecretBinary
	}
	a, b := get(), get()
	if &a[0] == &b[0] {
		t.Fatal("two hits got the same slice, want one each")
	}
	clear(a)
	if !slices.Equal(b, secret) || !slices.Equal(get(), secret) {
		t.Error("wiping one hit's slice changed another hit or the sealed value")
	}
}

// TestAESGCMBinaryHitIsTheOnlyCopy reads a binary secret through a cache
// with the hook and wipes what it got: a second read still works, so the
// caller held a copy of its own, and it was the hook's fresh slice.
func TestAESGCMBinaryHitIsTheOnlyCopy(t *testing.T) {
	t.Parallel()
	h, err := NewAESGCM(nil)
	if err != nil {
		t.Fatal(err)
	}
	var _ secretcache.FreshBinaryHook = h
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	if _, err := srv.CreateBinarySecret("bin", []byte("raw-key-bytes")); err != nil {
		t.Fatal(err)
	}
	c, err := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client(); c.Hook = h })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		got, err := c.GetSecretBinary("bin")
		if err != nil || string(got) != "raw-key-bytes" {
			t.Fatalf("got %q, %v", got, err)
		}
		clear(got)
	}
}
