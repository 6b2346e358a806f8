package hook

import "github.com/secretcache/secretcache-go/secretcache"

// Chain returns a hook that runs hooks in turn: Put from first to last, each
// receiving what the previous one returned, and Get from last to first, so
// that each Get undoes its own Put. Typically the AESGCM hook comes last,
// sealing what the others produced. Nil hooks are skipped; with none, the
// chain stores values as they are.
//
// When a stage returns an error value, the chain stops and returns it, so
// that the cache reports it as a *secretcache.HookError instead of passing
// an error to the next stage as if it were data.
func Chain(hooks ...secretcache.CacheHook) secretcache.CacheHook {
	c := make(chain, 0, len(hooks))
	for _, h := range hooks {
		if h != nil {
			c = append(c, h)
		}
	}
	return c
}

// chain is the hook Chain returns. It is never modified after Chain, so it
// is safe for concurrent use when its stages are.
type chain []secretcache.CacheHook

// Put runs each stage's Put in order.
func (c chain) Put(data any) any {
	for _, h := range c {
		data = h.Put(data)
		if err, ok := data.(error); ok {
			return err
		}
	}
	return data
}

// Get runs each stage's Get in reverse order.
func (c chain) Get(data any) any {
	for i := len(c) - 1; i >= 0; i-- {
		data = c[i].Get(data)
		if err, ok := data.(error); ok {
			return err
		}
	}
	return data
}
