package secretcache

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
// singleflight.Group: misses join the fetch in flight, but a forced refresh
// must never adopt one that started before it was called, and waits for it
// to land instead (a slot never has two fetches at the service); and Close
// must be able to wait for every goroutine that runs one, which a Group's
// DoChan goroutine would outlive.

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
// that starts one will wait on it rather than run it inline. It registers
// nothing in an evicted slot: it returns errEvicted instead.
func (s *slot) join(wait bool) (cl *call, start bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joinLocked(wait)
}

func (s *slot) joinLocked(wait bool) (cl *call, start bool, err error) {
	if cl = s.flight; cl == nil {
		if s.evicted.Load() {
			return nil, false, errEvicted
		}
		s.flight = newCall(wait)
		return s.flight, true, nil
	}
	if cl.done == nil {
		cl.done = make(chan struct{})
	}
	return cl, false, nil
}

// joinMiss is join for a caller that found no value. If a fetch stored one
// since the caller looked, it returns that value instead of starting
// another fetch; and it returns the failure that left s without one, while
// its retry delay has not passed, so that a missing secret does not cost a
// call per read. It returns errEvicted, as join does.
func (s *slot) joinMiss(c *Cache, wait bool) (v *value, cl *call, start bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.val.Load(); v != nil {
		return v, nil, false, nil
	}
	if err := s.remembered(c); err != nil {
		return nil, nil, false, err
	}
	cl, start, err = s.joinLocked(wait)
	return nil, cl, start, err
}

// beginForced registers cl, a forced fetch, to start now if no fetch of s
// is in flight (start), or else to start when the one in flight lands: a
// forced fetch never adopts a fetch that started before it, and s never has
// two fetches at the service at once, so answers land in the order the
// service gave them. A forced fetch already waiting its turn is joined
// instead, and returned in place of cl. An evicted s registers nothing and
// returns errEvicted.
func (s *slot) beginForced(cl *call) (use *call, start bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.evicted.Load():
		return nil, false, errEvicted
	case s.flight == nil:
		s.flight = cl
		return cl, true, nil
	case s.queued != nil:
		cl = s.queued
	default:
		s.queued = cl
	}
	if cl.done == nil {
		cl.done = make(chan struct{})
	}
	return cl, false, nil
}

// land unregisters cl if it is the fetch of s in flight, and returns the
// forced fetch that waited for it, now in flight, for the caller to launch.
// The caller holds s.mu.
func (s *slot) land(cl *call) (next *call) {
	if s.flight != cl {
		return nil
	}
	s.flight, s.queued = s.queued, nil
	return s.flight
}

// abandon ends cl, which never called the service, with err, and returns
// the fetch that waited for it, as land does.
func (s *slot) abandon(cl *call, err error) (next *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next = s.land(cl)
	cl.complete(outcome{err: err})
	return next
}

// load answers a miss: it joins the fetch of s in flight or starts one, and
// waits for it or for ctx. A value served as stale-if-error counts: a
// caller that found no value gets the last good one if a failed fetch left
// it (a forced refresh's, say).
func (c *Cache) load(ctx context.Context, s *slot, now time.Time) (*value, error) {
	inline := ctx.Done() == nil
	v, cl, start, err := s.joinMiss(c, !inline)
	for err == errEvicted { // evicted since the caller found it: use the key's slot now
		if s, err = c.slotFor(s.id, s.stage); err == nil {
			v, cl, start, err = s.joinMiss(c, !inline)
		}
	}
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
		c.launchNext(s, s.abandon(cl, ErrClosed))
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

// fetchInto numbers a fetch, performs it and settles its answer in s. If
// the client or the hook ends the goroutine (runtime.Goexit, which t.Fatal
// in a test double calls), the fetch still settles, as a failure, so that
// the callers waiting on it are released and later reads fetch again.
func (c *Cache) fetchInto(s *slot, cl *call, start time.Time) {
	s.drainPrev()
	seq := c.seq.Add(1)
	returned := false
	defer func() {
		if !returned {
			c.finish(s, cl, seq, nil, errGoexit, start)
		}
	}()
	v, err := c.fetch(s)
	returned = true
	c.finish(s, cl, seq, v, err, start)
}

// landed forgets s, if it was evicted, once its last fetch landed (next,
// the one queued after it, is nil), so that the evicted slots the index
// remembers are those with a fetch under way.
func (c *Cache) landed(s *slot, next *call) {
	if next == nil && s.evicted.Load() {
		c.ix.forget(s)
	}
}

// errGoexit is the failure of a fetch whose goroutine the client or the
// hook ended.
var errGoexit = errors.New("secretcache: the client or the hook ended the fetch's goroutine (runtime.Goexit)")

// launchNext launches next, a forced fetch of s that waited for the one
// that just landed, if there is one, in a goroutine of the cache: the
// goroutine that landed the last one may be a caller's.
func (c *Cache) launchNext(s *slot, next *call) {
	if next != nil {
		c.launch(s, next, false, c.tk.reading())
	}
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
func (c *Cache) fetch(s *slot) (*value, error) {
	ctx := c.fetchContext()
	c.stats.loads.Add(1)
	out, err := c.getSecretValue(ctx, s)
	if err == nil && out == nil {
		err = errors.New("secretcache: the client returned neither a value nor an error")
	}
	if err == nil {
		if !slices.Contains(out.VersionStages, s.stage) {
			c.stats.loadErrors.Add(1)
			return nil, errStageMissing(s.id, s.stage)
		}
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
// recovery. A fetch cut short by Close, or whose goroutine was ended, got
// no answer: it settles nothing, and only releases its waiters.
func (c *Cache) finish(s *slot, cl *call, seq uint64, v *value, err error, start time.Time) {
	if err == ErrClosed || err == errGoexit { // no answer from the service to settle
		next := s.abandon(cl, err)
		c.launchNext(s, next)
		c.landed(s, next)
		return
	}
	recovered, failures, delay, next := s.settle(c, seq, v, err, start, cl)
	c.launchNext(s, next)
	c.landed(s, next)
	switch {
	case failures > 0:
		c.logWarn("secretcache: fetch failed", "secret_id", s.id, "stage", s.stage,
			"failures", failures, "retry_in", delay, "error", err)
	case recovered > 0:
		c.logInfo("secretcache: fetch recovered", "secret_id", s.id, "stage", s.stage, "after_failures", recovered)
	}
}

// errStageMissing reports an answer that does not carry the staging label
// it was asked for. The service never gives one; a test double that ignores
// the stage it is asked for does, and AWS's library, which checks the label
// against DescribeSecret, reports the version as not found, as this does.
func errStageMissing(id, stage string) error {
	return &VersionNotFoundError{Message: fmt.Sprintf("secretcache: secret %q has no version labelled %s (the answer's VersionStages lack it)", id, stage)}
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

// noDeadline is the FetchTimeout from which fetches get no deadline at all:
// a century, far beyond any call, and far enough from math.MaxInt64 that
// adding it to the time cannot overflow.
const noDeadline = 100 * 365 * 24 * time.Hour

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
	if c.cfg.fetchTimeout >= noDeadline {
		return c.ctx
	}
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
