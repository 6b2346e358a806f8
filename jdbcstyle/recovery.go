package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/secretcache/secretcache-go/secretcache"
)

// This file is step 4 of the algorithm stated on Connector.connect (see
// recover.go): the recovery shared by the Connects refused with one
// AWSCURRENT version.

// recovery is one run of step 4, shared by the Connects refused with the
// same AWSCURRENT version.
type recovery struct {
	from    string        // the refused AWSCURRENT version
	started time.Time     // before its first fetch
	done    chan struct{} // closed when it ended

	// Set before done is closed, read after.
	err       error   // nil when a login got in
	fetchErrs []error // why versions could not be read
	// closed says that the Connector running it was closed before it
	// found a way in: it answers no Connect of the other Connectors of the
	// account, which plan again.
	closed bool
	stages []string // of the logins it made

	// budget is how many logins it may make: what the Connect that
	// started it has left. Written before it is spawned.
	budget int

	handoff // the connection for the Connect that started it
}

// handoff passes a recovery's connection to the Connect that started it,
// or closes it when that Connect stopped waiting.
type handoff struct {
	mu   sync.Mutex
	conn driver.Conn // guarded by mu
	gone bool        // the starter took the connection or stopped waiting; guarded by mu
}

func (h *handoff) give(conn driver.Conn) {
	if conn == nil {
		return
	}
	h.mu.Lock()
	gone := h.gone
	if !gone {
		h.conn = conn
	}
	h.mu.Unlock()
	if gone {
		conn.Close()
	}
}

func (h *handoff) take() driver.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	conn := h.conn
	h.conn, h.gone = nil, true
	return conn
}

func (h *handoff) abandon() {
	if conn := h.take(); conn != nil {
		conn.Close()
	}
}

func newRecovery(from string, now time.Time) *recovery {
	return &recovery{from: from, started: now, done: make(chan struct{})}
}

// recover runs rec (step 4) on the Connector's context, with its own
// deadline, so that no caller giving up can cut it short for the others.
// cur is the template of the refused version.
func (c *Connector) recover(rec *recovery, cache *secretcache.Cache, cur *template) {
	deadline := time.Now().Add(c.cfg.LoginTimeout)
	ctx, cancel := context.WithDeadline(c.ctx, deadline)
	defer cancel()
	c.stats.add(statRecoveries)
	a := &attempts{c: c, deadline: deadline, limit: rec.budget}
	conn, err := c.recoverSteps(ctx, rec, cache, cur, a)
	rec.err, rec.fetchErrs, rec.stages = err, a.fetchErrs, a.stages()
	rec.closed = conn == nil && c.ctx.Err() != nil
	rec.give(conn)
	c.ladder.finish(rec)
	close(rec.done)
}

// abort ends rec, which could not run, with err.
func (c *Connector) abort(rec *recovery, err error) {
	rec.err, rec.closed = err, true
	c.ladder.finish(rec)
	close(rec.done)
}

// recoverSteps are steps 4.1 to 4.5. It returns the connection of the
// login that got in, or the error of rec.from's refusal.
func (c *Connector) recoverSteps(ctx context.Context, rec *recovery, cache *secretcache.Cache, cur *template, a *attempts) (driver.Conn, error) {
	refusal, accountDenied := c.ladder.refusalOf(rec.from)
	if refusal == nil {
		return nil, nil // accepted meanwhile: the waiting Connects plan again
	}
	// from is the refused AWSCURRENT the fallback stands in for: rec.from,
	// or the version 4.1 found if the database refused that one too (a
	// rotation that followed another before the cache saw the first
	// finish), which is what the cache holds for the Connects afterwards.
	from := rec.from
	// 4.1
	if conn, err, done := c.recoverCurrent(ctx, cache, a, &from, &cur); done {
		return conn, err
	}
	if accountDenied || c.cfg.NoFallback || ctx.Err() != nil {
		return nil, refusal
	}
	// 4.2 and 4.3, one after the other: the cache rate-limits each stage
	// on its own, so the second fetch does not wait for the first's limit,
	// and the common case needs only AWSPENDING.
	moved := false
	for _, stage := range [...]string{stagePending, stagePrevious} {
		if stage == stagePrevious && c.cfg.Previous == PreviousNever || a.full() {
			break
		}
		cd, err := c.candidate(ctx, cache, stage, cur, from)
		if err != nil {
			a.fetchFailed(ctx, stage, err)
		}
		moved = moved || cd.moved
		if !cd.ok {
			continue
		}
		conn, f, err := a.tryFresh(ctx, cd.creds)
		if err == nil {
			// 4.4
			c.ladder.setRoute(from, cd.stage, cd.version, time.Now())
			return conn, nil
		}
		if !f.refused() && f != abandoned || f == denied {
			return nil, err
		}
	}
	// 4.5
	if moved && !a.full() && ctx.Err() == nil {
		if conn, err, done := c.recoverCurrent(ctx, cache, a, &from, &cur); done {
			return conn, err
		}
	}
	return nil, refusal
}

// recoverCurrent is step 4.1 (and 4.5): it fetches AWSCURRENT now and logs
// in with it if it is not *from and not refused. done reports that the
// recovery is over, with conn or err. Otherwise, when AWSCURRENT is a
// version the database refused (now or before), *from and *cur become it.
func (c *Connector) recoverCurrent(ctx context.Context, cache *secretcache.Cache, a *attempts, from *string, cur **template) (conn driver.Conn, err error, done bool) {
	l, ok := c.fresh(ctx, cache, stageCurrent, a)
	if !ok || l.version == *from {
		return nil, nil, false
	}
	if !a.full() && !c.ladder.isRefused(l.version, time.Now()) {
		conn, f, err := a.tryFresh(ctx, l)
		// A login abandoned at the gate found the version refused by
		// another Connect meanwhile: refused, as far as the ladder goes.
		if err == nil || !f.refused() && f != abandoned || f == denied {
			return conn, err, true
		}
	}
	*from, *cur = l.version, l.template
	return nil, nil, false
}

// candidate is a fallback version that step 4.2 or 4.3 may log in with.
type candidate struct {
	creds
	ok bool
	// moved says that the fetch showed AWSCURRENT on another version than
	// the refused one, from: AWSPENDING carries AWSCURRENT, or
	// AWSPREVIOUS is from. finishSecret ran after step 4.1's fetch.
	moved bool
}

// candidate fetches stage now and says whether the recovery may log in
// with it after cur, the template of version from, was refused.
func (c *Connector) candidate(ctx context.Context, cache *secretcache.Cache, stage string, cur *template, from string) (candidate, error) {
	v, err := c.refresh(ctx, cache, stage)
	if err != nil {
		return candidate{}, err
	}
	l, err := c.resolve(ctx, cache, stage)
	if err != nil {
		return candidate{}, err
	}
	if l.version != v.VersionID && v.VersionID != "" {
		return candidate{}, nil // moved again meanwhile
	}
	isCurrent := containsStage(v.Stages, stageCurrent)
	cd := candidate{creds: l, moved: isCurrent && l.version != from || stage == stagePrevious && l.version == from}
	if c.ladder.fallbackRefused(l.version, time.Now()) {
		return cd, nil // refused already (see fallbackRefused)
	}
	if l.addr != cur.addr {
		return cd, nil // another server: a fallback never moves the Connector
	}
	switch stage {
	case stagePending:
		cd.ok = !isCurrent && l.username == cur.username
	case stagePrevious:
		cd.ok = c.cfg.Previous.allows(l.username, cur.username)
	}
	return cd, nil
}

// fresh fetches stage now and returns its credentials, unless the fetch
// failed.
func (c *Connector) fresh(ctx context.Context, cache *secretcache.Cache, stage string, a *attempts) (creds, bool) {
	if _, err := c.refresh(ctx, cache, stage); err != nil {
		a.fetchFailed(ctx, stage, err)
		return creds{}, false
	}
	l, err := c.resolve(ctx, cache, stage)
	if err != nil {
		a.fetchFailed(ctx, stage, err)
		return creds{}, false
	}
	return l, true
}

// refresh fetches stage now (cache.Refresh), and once more after a failure
// that the AWS SDK's standard retryer would retry (throttling, a 5xx, a
// broken connection): every Connect refused in a rotation waits on the
// recovery, which must not fail them all for one throttled call, whatever
// retryer the cache's client has. The second call waits for the cache's
// rate limit (MinRefreshInterval) and is bounded by ctx, the recovery's
// deadline.
func (c *Connector) refresh(ctx context.Context, cache *secretcache.Cache, stage string) (secretcache.Version, error) {
	v, err := cache.Refresh(ctx, c.cfg.SecretID, stage)
	if err != nil && ctx.Err() == nil && retryables.IsErrorRetryable(err) == aws.TrueTernary {
		v, err = cache.Refresh(ctx, c.cfg.SecretID, stage)
	}
	return v, err
}

var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// allows reports whether the policy lets a Connect refused as user cur log
// in as prev, AWSPREVIOUS's user.
func (p PreviousPolicy) allows(prev, cur string) bool {
	switch p {
	case PreviousPair:
		return alternatingPair(prev, cur)
	case PreviousAny:
		return prev != cur
	}
	return false
}

// alternatingPair reports whether a and b are the two users of AWS's
// alternating-users rotation: a user and the same name with "_clone"
// appended, in either order.
func alternatingPair(a, b string) bool {
	const suffix = "_clone"
	return a != "" && b != "" && (a == b+suffix || b == a+suffix)
}

func containsStage(stages []string, stage string) bool {
	for _, s := range stages {
		if s == stage {
			return true
		}
	}
	return false
}
