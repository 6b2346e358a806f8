package hook

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/secretcache"
)

// tracer is a hook stage that logs each call and wraps (Put) or unwraps
// (Get) the value in a layer tagged with its name, so that a test can see
// both the call order and that every Get undid its own stage's Put.
type tracer struct {
	name string
	log  *callLog
}

type layer struct {
	by    string
	inner any
}

type callLog struct {
	mu    sync.Mutex
	calls []string // guarded by mu
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, s)
}

func (l *callLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

func (tr tracer) Put(data any) any {
	tr.log.add(tr.name + ".Put")
	return layer{by: tr.name, inner: data}
}

func (tr tracer) Get(data any) any {
	tr.log.add(tr.name + ".Get")
	l, ok := data.(layer)
	if !ok || l.by != tr.name {
		return errors.New("hook test: " + tr.name + " got another stage's layer")
	}
	return l.inner
}

func TestChainOrder(t *testing.T) {
	t.Parallel()
	log := &callLog{}
	c, srv := newCache(t, Chain(tracer{"a", log}, nil, tracer{"b", log}, tracer{"c", log}))
	if _, err := srv.CreateSecret("app/db", plaintext); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		want []string
	}{
		{"miss", []string{"a.Put", "b.Put", "c.Put", "c.Get", "b.Get", "a.Get"}},
		{"hit", []string{"c.Get", "b.Get", "a.Get"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := c.GetSecretString("app/db")
			if err != nil || got != plaintext {
				t.Fatalf("got %q, %v; want %q, nil", got, err, plaintext)
			}
			if calls := log.take(); !slices.Equal(calls, st.want) {
				t.Errorf("got calls %v, want %v", calls, st.want)
			}
		})
	}
}

func TestChainStopsAtAnError(t *testing.T) {
	t.Parallel()
	boom := errors.New("hook test: stage failed")
	fail := Funcs{
		PutFunc: func(any) any { return boom },
		GetFunc: func(any) any { return boom },
	}
	tests := []struct {
		name      string
		hooks     func(log *callLog) []secretcache.CacheHook
		call      func(h secretcache.CacheHook) any
		wantCalls []string
	}{
		{
			name: "Put",
			hooks: func(log *callLog) []secretcache.CacheHook {
				return []secretcache.CacheHook{tracer{"a", log}, fail, tracer{"c", log}}
			},
			call:      func(h secretcache.CacheHook) any { return h.Put(&secretsmanager.GetSecretValueOutput{}) },
			wantCalls: []string{"a.Put"},
		},
		{
			name: "Get",
			hooks: func(log *callLog) []secretcache.CacheHook {
				return []secretcache.CacheHook{tracer{"a", log}, fail, tracer{"c", log}}
			},
			call:      func(h secretcache.CacheHook) any { return h.Get(layer{by: "c"}) },
			wantCalls: []string{"c.Get"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log := &callLog{}
			got := tt.call(Chain(tt.hooks(log)...))
			if err, ok := got.(error); !ok || !errors.Is(err, boom) {
				t.Errorf("got %v, want %v", got, boom)
			}
			if calls := log.take(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("got calls %v, want %v", calls, tt.wantCalls)
			}
		})
	}
}

func TestChainErrorReachesCacheCaller(t *testing.T) {
	t.Parallel()
	boom := errors.New("hook test: refused")
	c, srv := newCache(t, Chain(newAESGCM(t), Funcs{GetFunc: func(any) any { return boom }}))
	if _, err := srv.CreateSecret("app/db", plaintext); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecretString("app/db")
	var hookErr *secretcache.HookError
	if !errors.As(err, &hookErr) || !errors.Is(err, boom) || hookErr.Op != "Get" {
		t.Fatalf("got %q, %v; want a *secretcache.HookError for Get wrapping %v", got, err, boom)
	}
	if strings.Contains(err.Error(), plaintext) {
		t.Errorf("error %q reveals the secret", err)
	}
}

func TestChainOfNothingIsIdentity(t *testing.T) {
	t.Parallel()
	for _, hooks := range [][]secretcache.CacheHook{nil, {nil, nil}} {
		h := Chain(hooks...)
		in := &secretsmanager.GetSecretValueOutput{}
		if got := h.Get(h.Put(in)); got != in {
			t.Errorf("Chain(%d nil hooks): got %v, want the input back", len(hooks), got)
		}
	}
}
