package secretcache

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// fetch makes one GetSecretValue call for s on the cache's own context, so
// that no caller's cancellation can fail the callers that share it.
func (c *Cache) fetch(s *slot) (*value, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.fetchTimeout)
	defer cancel()
	c.stats.loads.Add(1)
	out, err := c.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     &s.id,
		VersionStage: &s.stage,
	})
	if err == nil {
		return c.newValue(s.id, out)
	}
	c.stats.loadErrors.Add(1)
	if c.ctx.Err() != nil {
		return nil, ErrClosed
	}
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) && strings.Contains(nf.ErrorMessage(), "staging label") {
		return nil, &VersionNotFoundError{
			Message: fmt.Sprintf("secretcache: secret %q has no version labelled %s", s.id, s.stage),
			err:     err,
		}
	}
	return nil, fmt.Errorf("secretcache: fetch secret %q (stage %s): %w", s.id, s.stage, err)
}

// load is the function that concurrent callers for s share through the
// singleflight group: one fetch, its outcome recorded in s.
func (c *Cache) load(s *slot) (any, error) {
	if !c.enter() {
		return nil, ErrClosed
	}
	defer c.wg.Done()
	v, err := c.fetch(s)
	if errors.Is(err, ErrClosed) {
		return nil, err
	}
	s.settle(v, err)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// wait joins or starts the shared fetch for s and waits for it, or for ctx.
// A caller that gives up leaves the fetch running for the others.
func (c *Cache) wait(ctx context.Context, s *slot) (*value, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxError(s, err)
	}
	ch := c.flight.DoChan(s.key, func() (any, error) { return c.loadMissing(s) })
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*value), nil
	case <-ctx.Done():
		return nil, ctxError(s, ctx.Err())
	}
}

func ctxError(s *slot, err error) error {
	return fmt.Errorf("secretcache: waiting for secret %q (stage %s): %w", s.id, s.stage, err)
}

// loadShared runs load for s, or joins the one in flight, and returns its
// error.
func (c *Cache) loadShared(s *slot) error {
	_, err, _ := c.flight.Do(s.key, func() (any, error) { return c.load(s) })
	return err
}

// loadMissing is load for a caller that found no value: a caller that
// arrives just after a fetch ended finds its outcome here instead of starting
// another fetch.
func (c *Cache) loadMissing(s *slot) (any, error) {
	if v := s.val.Load(); v != nil && s.state.Load()&stateStale == 0 {
		return v, nil
	}
	if err := s.remembered(c.clock.Now()); err != nil {
		return nil, err
	}
	return c.load(s)
}

// startRefresh starts a background refresh of a stale s unless one runs.
func (c *Cache) startRefresh(s *slot) {
	for {
		st := s.state.Load()
		if st&stateRefreshing != 0 || st&stateStale == 0 {
			return
		}
		if s.state.CompareAndSwap(st, st|stateRefreshing) {
			break
		}
	}
	if !c.enter() {
		s.state.And(^stateRefreshing)
		return
	}
	c.stats.refreshes.Add(1)
	go func() {
		defer c.wg.Done()
		defer s.state.And(^stateRefreshing)
		c.loadShared(s)
	}()
}

// force fetches s now unless RefreshNow already started a fetch of s within
// MinRefreshInterval, in which case it shares that fetch's outcome.
func (c *Cache) force(ctx context.Context, s *slot) error {
	now := c.clock.Now()
	s.mu.Lock()
	f := s.forced
	if f == nil || now.Sub(f.at) >= c.cfg.minRefresh {
		if !c.enter() {
			s.mu.Unlock()
			return ErrClosed
		}
		f = &forced{at: now, done: make(chan struct{})}
		s.forced = f
		go func() {
			defer c.wg.Done()
			f.err = c.loadShared(s)
			close(f.done)
		}()
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctxError(s, ctx.Err())
	}
}
