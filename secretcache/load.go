package secretcache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// This file holds the miss path, in the order it runs: a caller joins or
// registers a fetch (join), launches it (launch, run), waits for it
// (await), and the fetch calls the service (fetch) and settles its answer
// in the slot (finish).
//
// A slot coordinates its fetches itself rather than through a
// singleflight.Group: a forced refresh must never adopt a fetch that
// started before it was called, while later misses should join the newest
// fetch; and Close must be able to wait for every goroutine that runs one,
// which a Group's DoChan goroutine would outlive.

// call is one fetch of a slot, which any number of callers may wait on.
//
// Its channel is made only for callers that block on it: a caller that runs
// the fetch itself, in its own goroutine, reads the outcome when the fetch
// returns, and a miss in a cache under heavy eviction should not pay for a
// channel nobody waits on. While the call is registered in a slot, done is
// guarded by that slot's mu: a caller that will wait makes it when it joins
// (see join), and settle closes it when it completes the call, in the
// critical section that unregisters the call, so nobody can join a call
// that already completed.
type call struct {
	done chan struct{} // closed once o is set, if made
	o    outcome       // written once, before done is closed
}

// newCall returns a call; wait makes its channel now, for a caller that
// will block on it.
func newCall(wait bool) *call {
	cl := &call{}
	if wait {
		cl.done = make(chan struct{})
	}
	return cl
}

// complete sets the outcome of cl and releases its waiters. When cl is
// registered in a slot, the caller holds that slot's mu.
func (cl *call) complete(o outcome) {
	cl.o = o
	if cl.done != nil {
		close(cl.done)
	}
}

// join returns the fetch of s in flight, or registers a new one; start
// reports whether the caller must launch it. A caller that joins a fetch in
// flight may wait on it, so its channel is made; wait says whether a caller
// that starts one will wait on it rather than run it inline.
func (s *slot) join(wait bool) (cl *call, start bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joinLocked(wait)
}

func (s *slot) joinLocked(wait bool) (cl *call, start bool) {
	if cl = s.flight; cl == nil {
		s.flight = newCall(wait)
		return s.flight, true
	}
	if cl.done == nil {
		cl.done = make(chan struct{})
	}
	return cl, false
}

// joinMiss is join for a caller that found no value. If a fetch stored one
// since the caller looked, it returns that value instead of starting
// another fetch; and it returns the failure that left s without one, while
// its retry delay has not passed, so that a missing secret does not cost a
// call per read.
func (s *slot) joinMiss(c *Cache, wait bool) (v *value, cl *call, start bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.val.Load(); v != nil {
		return v, nil, false, nil
	}
	if err := s.remembered(c); err != nil {
		return nil, nil, false, err
	}
	cl, start = s.joinLocked(wait)
	return nil, cl, start, nil
}

// begin registers cl as the newest fetch of s, even if another is in
// flight: a forced fetch never joins an older one, but later misses join
// it.
func (s *slot) begin(cl *call) {
	s.mu.Lock()
	s.flight = cl
	s.mu.Unlock()
}

// land unregisters cl if it is still the newest fetch of s. The caller
// holds s.mu.
func (s *slot) land(cl *call) {
	if s.flight == cl {
		s.flight = nil
	}
}

// abandon ends cl, which never called the service, with err.
func (s *slot) abandon(cl *call, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.land(cl)
	cl.complete(outcome{err: err})
}

// load answers a miss: it joins the fetch of s in flight or starts one, and
// waits for it or for ctx. A value served as stale-if-error counts: a
// caller that found no value gets the last good one if a failed fetch left
// it (a forced refresh's, say).
func (c *Cache) load(ctx context.Context, s *slot, now time.Time) (*value, error) {
	inline := ctx.Done() == nil
	v, cl, start, err := s.joinMiss(c, !inline)
	if v != nil || err != nil {
		return v, err
	}
	var o outcome
	if start && inline {
		c.launch(s, cl, inline, now) // complete on return
		o = cl.o
	} else {
		if start {
			c.launch(s, cl, inline, now)
		}
		if o, err = c.await(ctx, s.id, s.stage, cl); err != nil {
			return nil, err
		}
	}
	if o.err != nil {
		if v := s.val.Load(); v != nil && o.transient {
			return v, nil
		}
		return nil, o.err
	}
	return o.val, nil
}

// launch runs the fetch cl of s, which started at start: inline, in the
// caller's goroutine, when the caller waits for it with a context that can
// never end (which saves starting a goroutine; cl is complete when launch
// returns), else in a goroutine of the cache, so that the caller can stop
// waiting or not wait at all. Either way the fetch runs on the cache's
// context, and Close waits for it.
func (c *Cache) launch(s *slot, cl *call, inline bool, start time.Time) {
	if !c.enter() {
		s.abandon(cl, ErrClosed)
		return
	}
	if inline {
		c.run(s, cl, start)
		return
	}
	go c.run(s, cl, start)
}

// run performs the fetch cl of s for a caller that entered the cache.
func (c *Cache) run(s *slot, cl *call, start time.Time) {
	defer c.exit()
	c.fetchInto(s, cl, start)
}

// fetchInto numbers a fetch, performs it and settles its answer in s.
func (c *Cache) fetchInto(s *slot, cl *call, start time.Time) {
	seq := c.seq.Add(1)
	v, err := c.fetch(s, start)
	c.finish(s, cl, seq, v, err, start)
}

// await waits for cl, a fetch of (id, stage) whose channel the caller made
// sure of, or for ctx, whichever ends first.
func (c *Cache) await(ctx context.Context, id, stage string, cl *call) (outcome, error) {
	select {
	case <-cl.done:
		return cl.o, nil
	case <-ctx.Done():
		return outcome{}, ctxError(id, stage, ctx.Err())
	}
}

// fetch makes one GetSecretValue call for s on the cache's own context, so
// that no caller's cancellation can fail the callers that share it. A panic
// in the client becomes an error, and so does an answer that is neither a
// value nor an error.
func (c *Cache) fetch(s *slot, start time.Time) (*value, error) {
	ctx := c.fetchContext()
	c.stats.loads.Add(1)
	out, err := c.getSecretValue(ctx, s)
	if err == nil && out == nil {
		err = errors.New("secretcache: the client returned neither a value nor an error")
	}
	if err == nil {
		return c.newValue(s.id, out)
	}
	c.stats.loadErrors.Add(1)
	if c.ctx.Err() != nil {
		return nil, ErrClosed
	}
	return nil, fetchError(s.id, s.stage, err)
}

func (c *Cache) getSecretValue(ctx context.Context, s *slot) (out *secretsmanager.GetSecretValueOutput, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, newPanicError(p)
		}
	}()
	return c.Client.GetSecretValue(ctx, &s.in)
}

// finish settles the answer of the fetch numbered seq, which started at
// start, in s, completing cl with what it means, and logs a failure or a
// recovery. A fetch cut short by Close settles nothing.
func (c *Cache) finish(s *slot, cl *call, seq uint64, v *value, err error, start time.Time) {
	if errors.Is(err, ErrClosed) {
		s.abandon(cl, ErrClosed)
		return
	}
	recovered, failures, delay := s.settle(c, seq, v, err, start, cl)
	switch {
	case failures > 0:
		c.logWarn("secretcache: fetch failed", "secret_id", s.id, "stage", s.stage,
			"failures", failures, "retry_in", delay, "error", err)
	case recovered > 0:
		c.logInfo("secretcache: fetch recovered", "secret_id", s.id, "stage", s.stage, "after_failures", recovered)
	}
}

// fetchError names the secret and stage in err, and turns the service's
// "no such staging label" into a *VersionNotFoundError.
func fetchError(id, stage string, err error) error {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) && strings.Contains(nf.ErrorMessage(), "staging label") {
		return &VersionNotFoundError{
			Message: fmt.Sprintf("secretcache: secret %q has no version labelled %s", id, stage),
			err:     err,
		}
	}
	return fmt.Errorf("secretcache: fetch secret %q (stage %s): %w", id, stage, err)
}

func ctxError(id, stage string, err error) error {
	return fmt.Errorf("secretcache: waiting for secret %q (stage %s): %w", id, stage, err)
}

// fetchCtx is a context that fetches share for a while: creating a context
// with a deadline for every fetch costs more than the rest of a miss when
// the service answers at once, and a miss of a cache under heavy eviction
// should cost little.
type fetchCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
	reuse  time.Time // fetches that start before this may use ctx
}

// fetchContext returns a context for a fetch starting now: the cache's
// context with a deadline between FetchTimeout and FetchTimeout plus a
// sixteenth of it (at most a second) from now. It renews the shared one
// when that would leave less than FetchTimeout. Contexts that fall out of
// use end at their deadline; the last one ends with Close.
func (c *Cache) fetchContext() context.Context {
	now := time.Now() // real time, whatever the cache's clock: FetchTimeout bounds a network call
	f := c.fctx.Load()
	if f != nil && now.Before(f.reuse) {
		return f.ctx
	}
	slack := min(c.cfg.fetchTimeout/16, time.Second)
	ctx, cancel := context.WithDeadline(c.ctx, now.Add(c.cfg.fetchTimeout+slack))
	nf := &fetchCtx{ctx: ctx, cancel: cancel, reuse: now.Add(slack)}
	if !c.fctx.CompareAndSwap(f, nf) {
		cancel()
		return c.fetchContext()
	}
	return ctx
}
