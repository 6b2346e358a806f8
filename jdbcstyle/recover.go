package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"slices"
	"time"

	"github.com/secretcache/secretcache-go/secretcache"
)

// recover runs the recovery ladder after the login with cur, the cached
// AWSCURRENT credentials, failed with first:
//
//  1. refresh AWSCURRENT (shared and rate-limited by the cache, and skipped
//     when a concurrent Connect already did) and log in again if it brought
//     different credentials;
//  2. else, unless fallbacks are off, log in with AWSPENDING if it has the
//     same username (single-user rotation between setSecret and
//     finishSecret: the database already has the pending password);
//  3. else with AWSPREVIOUS if its username differs (alternating users: the
//     previous user still works while the new one may not yet).
//
// It stops at the first success, at any error that is not an authentication
// failure (a lockout included), and after maxAttempts logins. When every
// login was refused it returns the first error, the one the secret's
// current credentials got.
//
// No credentials are tried twice in one Connect: a candidate whose secret
// string was already refused (the remembered detour, say, that stopped
// working) is skipped, since a second refusal only counts towards a lockout.
//
// r holds the logins made so far, the refused one with cur last; ctx carries
// the Connect's deadline, r.deadline.
func (c *Connector) recover(ctx context.Context, r *attempts, cache *secretcache.Cache, cur *creds, first error) (driver.Conn, error) {
	if c.drv.classify(first) != authFailure || r.n >= maxAttempts {
		return nil, r.fail(ctx, first)
	}
	if next := c.newerCurrent(ctx, cache, r); next != nil {
		cur = next
		if conn, err := r.try(ctx, stageCurrent, next); err == nil || c.drv.classify(err) != authFailure {
			return conn, r.done(ctx, err)
		}
	}
	if ctx.Err() != nil || c.cfg.NoFallback || r.n >= maxAttempts {
		// fail adds ctx.Err(), if any; first stays reachable with errors.As.
		return nil, r.fail(ctx, first)
	}
	stage, fb := c.fallback(ctx, cache, cur, r)
	if fb == nil {
		return nil, r.fail(ctx, first)
	}
	conn, err := r.try(ctx, stage, fb)
	if err == nil {
		c.detour.Store(&detour{current: cur.raw, stage: stage, creds: fb, until: time.Now().Add(detourTTL)})
		return conn, nil
	}
	if c.drv.classify(err) != authFailure {
		return nil, r.done(ctx, err)
	}
	return nil, r.fail(ctx, first)
}

// detourTTL is how long a fallback that worked is tried first. Long enough
// that a burst of new connections in a rotation window costs one refused
// login rather than one each (a database may lock out or alert on a run of
// refused logins); short enough that a user whose credentials start working
// (the new user of an alternating rotation, once the database has it) is
// back in use within seconds.
const detourTTL = 5 * time.Second

// detour is a fallback that let a Connect in while AWSCURRENT, as cached
// then, was refused.
type detour struct {
	current string // the refused AWSCURRENT secret string
	stage   string
	creds   *creds
	until   time.Time
}

// detourFor returns the detour to try before cur, the cached AWSCURRENT
// credentials: only while they are still the ones that were refused, and
// only for a few seconds. There is none when fallbacks are off: only a
// fallback sets one.
func (c *Connector) detourFor(cur *creds) *detour {
	d := c.detour.Load()
	if d == nil || d.current != cur.raw || time.Now().After(d.until) {
		return nil
	}
	return d
}

// newerCurrent returns AWSCURRENT credentials that r has not tried yet, or
// nil. When a concurrent Connect has already refreshed the cache, the cached
// version is newer and no call is needed: in a storm of connects after a
// rotation, only the first failures reach Secrets Manager.
func (c *Connector) newerCurrent(ctx context.Context, cache *secretcache.Cache, r *attempts) *creds {
	if l, err := c.resolve(ctx, cache, stageCurrent); err == nil && !r.refused(l.raw) {
		return l
	}
	if l := c.refreshed(ctx, cache, stageCurrent, r); l != nil && !r.refused(l.raw) {
		return l
	}
	return nil
}

// fallback picks the version to try after AWSCURRENT, per steps 2 and 3 of
// recover, reading each candidate fresh: a cached AWSPENDING may be left
// over from an earlier rotation. A candidate r has already tried is passed
// over.
func (c *Connector) fallback(ctx context.Context, cache *secretcache.Cache, cur *creds, r *attempts) (string, *creds) {
	if l := c.refreshed(ctx, cache, stagePending, r); l != nil && l.username == cur.username && !r.refused(l.raw) {
		return stagePending, l
	}
	if l := c.refreshed(ctx, cache, stagePrevious, r); l != nil && l.username != cur.username && !r.refused(l.raw) {
		return stagePrevious, l
	}
	return "", nil
}

// refreshed fetches the version labelled stage now (the cache shares and
// rate-limits the call) and returns its credentials, or nil when the stage does
// not exist or cannot be read: the ladder then moves on, and r keeps the
// reason for the Connect's error.
func (c *Connector) refreshed(ctx context.Context, cache *secretcache.Cache, stage string, r *attempts) *creds {
	if _, err := cache.Refresh(ctx, c.cfg.SecretID, stage); err != nil {
		r.fetchFailed(ctx, stage, err)
		return nil
	}
	l, err := c.resolve(ctx, cache, stage)
	if err != nil {
		r.fetchFailed(ctx, stage, err)
		return nil
	}
	return l
}

// attempts records the logins of one Connect, for its error and so that no
// credentials are tried twice. It belongs to one Connect and is not shared.
// The logins live in an array, not slices, so that a Connect that gets in
// at once allocates nothing for them.
type attempts struct {
	c         *Connector
	deadline  time.Time
	n         int                  // logins made, the first n of tried
	tried     [maxAttempts]attempt // in order
	fetchErrs []error              // why versions the ladder looked for could not be read
}

// attempt is one login: the staging label and the credentials it used.
type attempt struct {
	stage string
	creds *creds
}

// try makes one login attempt with l. ctx must not carry the login
// deadline, r.deadline: the engine applies it its cheapest way.
func (r *attempts) try(ctx context.Context, stage string, l *creds) (driver.Conn, error) {
	r.tried[r.n] = attempt{stage, l}
	r.n++
	if r.c.onLogin != nil {
		r.c.onLogin(stage)
	}
	conn, err := r.c.drv.login(ctx, r.deadline, l.conn)
	return conn, hideBadConn(err)
}

// refused reports whether the credentials of the secret string raw were
// already tried in this Connect. Every try but a successful last one was
// refused, and recover asks only after a refusal.
func (r *attempts) refused(raw string) bool {
	return slices.ContainsFunc(r.tried[:r.n], func(a attempt) bool { return a.creds.raw == raw })
}

// fetchFailed records why the version labelled stage could not be read,
// unless the reason is not news: AWSPENDING and AWSPREVIOUS are missing
// outside a rotation, and the Connect's context ending is reported anyway.
func (r *attempts) fetchFailed(ctx context.Context, stage string, err error) {
	var nf *secretcache.VersionNotFoundError
	if stage != stageCurrent && errors.As(err, &nf) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return
	}
	r.fetchErrs = append(r.fetchErrs, err)
}

// done returns nil for a successful try, else its error as a ConnectError.
func (r *attempts) done(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return r.fail(ctx, err)
}

func (r *attempts) fail(ctx context.Context, err error) error {
	stages := make([]string, r.n)
	passwords := make([]string, r.n)
	for i, a := range r.tried[:r.n] {
		stages[i], passwords[i] = a.stage, a.creds.password
	}
	return newLoginError(r.c.cfg.SecretID, stages, err, ctx.Err(), r.fetchErrs, passwords)
}
