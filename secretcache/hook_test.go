package secretcache

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// reverseHook keeps secrets reversed, so that tests can tell that what the
// cache stores is what Put returned.
type reverseHook struct{ puts, gets atomic.Int64 }

type reversed struct {
	meta *secretsmanager.GetSecretValueOutput
	text string
}

func (h *reverseHook) Put(data interface{}) interface{} {
	h.puts.Add(1)
	out := data.(*secretsmanager.GetSecretValueOutput)
	r := &reversed{meta: out}
	if out.SecretString != nil {
		r.text = reverse(*out.SecretString)
		out.SecretString = nil
	}
	return r
}

func (h *reverseHook) Get(data interface{}) interface{} {
	h.gets.Add(1)
	r := data.(*reversed)
	out := *r.meta
	if r.text != "" {
		s := reverse(r.text)
		out.SecretString = &s
	}
	return &out
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func TestHookStoresWhatPutReturns(t *testing.T) {
	t.Parallel()
	h := &reverseHook{}
	c, f, _ := newTestCache(t, func(c *Cache) { c.Hook = h })
	f.put("db", "AWSCURRENT", "v1", hunter)
	f.putBinary("bin", "AWSCURRENT", "v1", []byte("raw"))
	for range 3 {
		if got, err := c.GetSecretString("db"); err != nil || got != hunter {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	if got, err := c.GetSecretBinary("bin"); err != nil || string(got) != "raw" {
		t.Fatalf("binary: got %q, %v", got, err)
	}
	if h.puts.Load() != 2 || h.gets.Load() != 4 {
		t.Errorf("hook calls: got %d puts, %d gets; want 2, 4", h.puts.Load(), h.gets.Load())
	}
	kept := c.ix.lookup("db", "").val.Load()
	r, ok := kept.kept.(*reversed)
	if !ok || r.text != reverse(hunter) || kept.hasStr {
		t.Errorf("cache keeps %#v, want only what Put returned", kept)
	}
	if v, _ := c.GetVersion(t.Context(), "db", ""); v.VersionID != "v1" {
		t.Errorf("metadata with a hook: got %+v", v)
	}
}

// funcHook adapts two functions to CacheHook.
type funcHook struct{ put, get func(any) any }

func (h funcHook) Put(d interface{}) interface{} { return h.put(d) }
func (h funcHook) Get(d interface{}) interface{} { return h.get(d) }

func TestHookFailuresAreErrors(t *testing.T) {
	t.Parallel()
	errTampered := errors.New("message authentication failed")
	id := func(d any) any { return d }
	tests := []struct {
		name string
		hook CacheHook
		want error
	}{
		{"Put returns an error", funcHook{put: func(any) any { return errTampered }, get: id}, errTampered},
		{"Get returns an error", funcHook{put: id, get: func(any) any { return errTampered }}, errTampered},
		{"Get returns a wrong type", funcHook{put: id, get: func(any) any { return "plain string" }}, nil},
		{"Get returns a nil output", funcHook{put: id, get: func(any) any { return (*secretsmanager.GetSecretValueOutput)(nil) }}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, f, _ := newTestCache(t, func(c *Cache) { c.Hook = tt.hook })
			f.put("db", "AWSCURRENT", "v1", hunter)
			_, err := c.GetSecretString("db")
			var he *HookError
			if !errors.As(err, &he) {
				t.Fatalf("got %v, want *HookError", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want it to wrap %v", err, tt.want)
			}
			if strings.Contains(err.Error(), hunter) {
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
}

func TestHookPanicIsHookError(t *testing.T) {
	t.Parallel()
	id := func(d any) any { return d }
	boom := func(any) any { panic("hook bug: " + hunter) }
	for _, tt := range []struct {
		name string
		hook CacheHook
		op   string
	}{
		{"Put", funcHook{put: boom, get: id}, "Put"},
		{"Get", funcHook{put: id, get: boom}, "Get"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, f, _ := newTestCache(t, func(c *Cache) { c.Hook = tt.hook })
			f.put("db", "AWSCURRENT", "v1", hunter)
			f.putBinary("bin", "AWSCURRENT", "v1", []byte(hunter))
			for _, read := range []func() error{
				func() error { _, err := c.GetSecretString("db"); return err },
				func() error { _, err := c.GetSecretBinary("bin"); return err },
			} {
				err := read()
				var he *HookError
				var pe *PanicError
				if !errors.As(err, &he) || he.Op != tt.op || !errors.As(err, &pe) {
					t.Fatalf("got %v, want a *HookError for %s wrapping a *PanicError", err, tt.op)
				}
				if strings.Contains(err.Error(), hunter) {
					t.Errorf("error reveals what the hook panicked with: %v", err)
				}
			}
		})
	}
}

// freshHook returns a new slice from every Get and remembers the last one.
type freshHook struct {
	fresh bool
	last  atomic.Pointer[[]byte]
}

func (h *freshHook) Put(d interface{}) interface{} { return d }
func (h *freshHook) Get(d interface{}) interface{} {
	out := *d.(*secretsmanager.GetSecretValueOutput)
	b := slices.Clone(out.SecretBinary)
	h.last.Store(&b)
	out.SecretBinary = b
	return &out
}
func (h *freshHook) FreshBinary() bool { return h.fresh }

// TestFreshBinaryHookSliceIsHandedOver: a hook that makes each binary it
// returns for that call alone gets it handed to the caller, not copied, so
// that no unwiped second copy exists; any other hook's slice is copied.
func TestFreshBinaryHookSliceIsHandedOver(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{true, false} {
		h := &freshHook{fresh: fresh}
		c, f, _ := newTestCache(t, func(c *Cache) { c.Hook = h })
		f.putBinary("bin", "AWSCURRENT", "v1", []byte(hunter))
		got, err := c.GetSecretBinary("bin")
		if err != nil || string(got) != hunter {
			t.Fatalf("got %q, %v", got, err)
		}
		same := &got[0] == &(*h.last.Load())[0]
		if same != fresh {
			t.Errorf("FreshBinary %v: caller got the hook's own slice: %v", fresh, same)
		}
	}
}
