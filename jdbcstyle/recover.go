package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"time"

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
// Versions are never sent twice while refused: AWSCURRENT the database
// refused is skipped until its version changes or its backoff passes (see
// ladder.go), and a fallback candidate until its version changes or 10
// minutes pass (see fallbackRefused), so a stale AWSPENDING left by a
// failed rotation costs one refused login, not one per Connect nor one per
// backoff. One Connect makes at most maxAttempts logins and waits for at
// most maxWaits recoveries.
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
		conn, f, err := a.try(ctx, l, p.gen, p.probe)
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
	if p.started && a.ctxErr(ctx) != nil {
		// This Connect gave up before the recovery it would start: no
		// logins for a caller that is gone. The next refused Connect
		// starts one; any waiting meanwhile plan again.
		c.abort(rec, a.ctxErr(ctx))
		return nil, a.fail(ctx, a.first), false
	}
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
