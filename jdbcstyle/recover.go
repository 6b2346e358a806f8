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

// connect opens a connection for one Connect:
//
//  1. Read AWSCURRENT from the cache: its version and, for this login only,
//     its password.
//  2. Plan from what the Connector knows about that version (see
//     ladder.planFor):
//     a. not refused: log in with it;
//     b. refused, and a fallback let a login in since: log in with that
//     fallback (the route), and now and then fetch AWSCURRENT again in the
//     background, in case the rotation finished;
//     c. refused, its backoff over, and nobody trying it: try it again;
//     d. otherwise: wait for the recovery of that version (step 4), which
//     this Connect starts if none runs, then plan again.
//  3. Log in, through the login gate (see gate.go): a login whose
//     credentials were refused while it waited there is abandoned before
//     it sends them, and plans again. A refusal is recorded before the gate
//     is released, then the Connect plans again: the recovery, or the route
//     it found, takes over. A refusal of the account (a locked account, a
//     role that may not log in, a host rule) ends the Connect: no other
//     user is tried.
//  4. A recovery runs once for every Connect refused with the same
//     AWSCURRENT version, detached from any one caller (see recover):
//     4.1 fetch AWSCURRENT now (a fresh answer: the cache's forced refresh
//     never reuses a fetch that started earlier) and log in with it if it
//     is another version, not refused; if the database refused that
//     version too (a rotation that followed another before the cache saw
//     the first one finish), the fallbacks stand in for it instead;
//     4.2 unless the account was refused or fallbacks are off, fetch
//     AWSPENDING and AWSPREVIOUS now and log in with AWSPENDING if a
//     rotation is in progress (its version does not carry AWSCURRENT) and
//     it has the same username (single-user rotation between setSecret and
//     finishSecret: the database already has the pending password);
//     4.3 else with AWSPREVIOUS if the fallbackPrevious policy allows its
//     user (by default: the other user of an alternating-users pair, whose
//     new user may not be ready yet);
//     a fallback must also name the same server (host, port, dbname) as
//     the refused version: rotations change credentials, never where
//     they are sent;
//     4.4 a fallback that let the login in becomes the route of step 2b;
//     4.5 if none did, but AWSPENDING turned out to carry AWSCURRENT or
//     AWSPREVIOUS to be the refused version (finishSecret ran after the
//     fetch of 4.1), fetch AWSCURRENT again and log in with it.
//     The Connect that started the recovery takes the connection it opened;
//     the others plan again. A recovery that failed answers only the
//     Connects whose refusal (or start) came before its fetches did; the
//     others start the next one.
//
// Versions are never sent twice while refused: a candidate the database
// refused is skipped until its version changes or its backoff passes (see
// ladder.go), so a stale AWSPENDING left by a failed rotation costs one
// refused login, not one per Connect. One Connect makes at most maxAttempts
// logins and waits for at most maxWaits recoveries.
//
// ctx carries the Connect's deadline, a.deadline.
func (c *Connector) connect(ctx context.Context, cache *secretcache.Cache, a *attempts) (driver.Conn, error) {
	since := time.Now() // a failed recovery answers this Connect only if it started after since
	waitedFor := ""     // the version whose recoveries waits counts
	for waits := 0; ; {
		if c.closed.Load() {
			return nil, ErrClosed
		}
		// 1.
		cur, err := c.resolve(ctx, cache, stageCurrent)
		if err != nil {
			return nil, a.readFailed(ctx, err)
		}
		// 2.
		p := c.ladder.planFor(cur.version, time.Now())
		if p.rec != nil {
			if cur.version != waitedFor {
				// AWSCURRENT moved on since the last wait: the secret
				// changes, and this is another refusal to recover from.
				waits, waitedFor = 0, cur.version
			}
			if waits == maxWaits && !p.started {
				// Still refused after the recoveries this Connect waited
				// for, and another one running: give up on the refusal.
				err, _ := c.ladder.refusalOf(cur.version)
				return nil, a.withheld(ctx, err)
			}
			waits++
			conn, err, again := c.await(ctx, cache, cur.template, a, p, since)
			if !again {
				return conn, err
			}
			continue
		}
		if p.check {
			c.checkCurrent(cache)
		}
		l := cur
		if p.stage != stageCurrent {
			if l, err = c.resolve(ctx, cache, p.stage); err != nil || l.version != p.version {
				c.ladder.dropRoute(cur.version, p.version)
				continue
			}
		}
		// 3.
		if a.full() {
			if p.probe {
				c.ladder.abandonProbe(l.version)
			}
			return nil, a.fail(ctx, a.first)
		}
		conn, f, err := a.try(ctx, l, p.gen)
		if p.probe && err != nil && !f.refused() {
			// The probe got no verdict (abandoned at the gate, a network
			// failure, the deadline): another Connect may make it.
			c.ladder.abandonProbe(l.version)
		}
		switch {
		case f == abandoned:
			continue
		case err == nil:
			return conn, nil
		case f == denied:
			return nil, a.fail(ctx, err)
		case !f.refused():
			return nil, a.fail(ctx, err)
		}
		since = time.Now()
	}
}

// maxAttempts bounds the logins of one Connect, so that a wrong password
// everywhere cannot lock an account or flood the database's logs; it also
// bounds those of one recovery. maxWaits bounds the recoveries one Connect
// waits for.
const (
	maxAttempts = 3
	maxWaits    = 2
)

// await waits for the recovery p planned, starting it if this Connect is
// the first to need it, and says whether the Connect should plan again.
func (c *Connector) await(ctx context.Context, cache *secretcache.Cache, cur *template, a *attempts, p plan, since time.Time) (conn driver.Conn, err error, again bool) {
	rec := p.rec
	if p.started {
		// The recovery's logins count as this Connect's (see absorb).
		rec.budget = maxAttempts - a.n
		if !c.spawn(func() { c.recover(rec, cache, cur) }) {
			c.abort(rec, ErrClosed)
		}
	}
	select {
	case <-rec.done:
	case <-ctx.Done():
		if p.started {
			rec.abandon()
		}
		return nil, a.fail(ctx, a.first), false
	}
	if p.started {
		if conn := rec.take(); conn != nil {
			return conn, nil, false
		}
		a.absorb(rec.stages)
	}
	if rec.err != nil && !rec.closed && !rec.started.Before(since) {
		return nil, a.recoveryFailed(ctx, rec), false
	}
	return nil, nil, true
}

// checkCurrent fetches AWSCURRENT in the background while Connects use a
// route, so that they go back to AWSCURRENT once the rotation finished
// rather than when the cache's TTL ends.
func (c *Connector) checkCurrent(cache *secretcache.Cache) {
	spawned := c.spawn(func() {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.LoginTimeout)
		defer cancel()
		_, err := cache.Refresh(ctx, c.cfg.SecretID, stageCurrent)
		if err != nil && c.ctx.Err() != nil {
			c.ladder.uncheck() // closed: another Connector of the account checks
			return
		}
		c.ladder.checked(time.Now())
	})
	if !spawned {
		c.ladder.uncheck()
	}
}

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
	if c.ladder.isRefused(l.version, time.Now()) {
		return cd, nil // refused already
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
