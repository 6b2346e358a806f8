package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"log/slog"
	"time"

	"github.com/secretcache/secretcache-go/secretcache"
)

// attempts records the logins of one Connect, or of one recovery, for its
// error and its statistics. It belongs to one goroutine. The logins live in
// an array, not slices, so that a Connect that gets in at once allocates
// nothing for them.
type attempts struct {
	c        *Connector
	deadline time.Time
	// loginCtx is the context logins run with: the caller's, without the
	// deadline, which the engines apply their cheapest way (see
	// engineDriver.login). nil means the ctx given to try.
	loginCtx  context.Context
	n         int                  // logins made, the first n of tried
	limit     int                  // the most logins it may make, at most maxAttempts
	tried     [maxAttempts]attempt // in order
	first     error                // the error of the first refused login
	fetchErrs []error              // why versions the ladder looked for could not be read
}

// attempt is one login: the staging label and the password it used, kept
// only to scrub it from the error text.
type attempt struct {
	stage, password string
}

// full reports whether no login is left.
func (a *attempts) full() bool { return a.n >= a.limit }

// stages returns the staging labels of the logins made, in order.
func (a *attempts) stages() []string {
	s := make([]string, a.n)
	for i, t := range a.tried[:a.n] {
		s[i] = t.stage
	}
	return s
}

// absorb counts the logins of the recovery this Connect started as its
// own: one Connect makes at most maxAttempts logins, whoever makes them.
func (a *attempts) absorb(stages []string) {
	for _, s := range stages {
		if a.n < len(a.tried) {
			a.tried[a.n] = attempt{stage: s}
			a.n++
		}
	}
}

// tryFresh logs in with l, planned now.
func (a *attempts) tryFresh(ctx context.Context, l creds) (driver.Conn, failure, error) {
	return a.try(ctx, l, a.c.ladder.generation(l.version), false)
}

// try makes one login with l, planned when its version's refusal
// generation was gen, and records the verdict in the ladder before it
// releases the login gate. A login abandoned at the gate is not an
// attempt: it returns abandoned and no connection. probe says that the
// login tries a refused version again after its backoff (see plan.probe).
func (a *attempts) try(ctx context.Context, l creds, gen uint64, probe bool) (driver.Conn, failure, error) {
	c := a.c
	lg := &login{deadline: a.deadline, password: l.password, gate: c.gate, ladder: c.ladder, version: l.version, gen: gen, probe: probe}
	if a.loginCtx != nil {
		ctx = a.loginCtx
		if _, ok := ctx.Deadline(); ok {
			return a.tryDetached(ctx, l, lg)
		}
	}
	conn, err := c.drv.login(ctx, lg, l.conn)
	return a.record(ctx, l, lg, conn, err)
}

// tryDetached is try for a caller whose context has a deadline, the kind
// that ends in the middle of logins by design (a request's). The login runs on
// a context of its own, which the caller's ending cancels only until the
// credentials are sent: a login cut off after the server got them still
// costs a refusal there, and one the ladder never heard of would be sent
// again by the next Connect, which is how short contexts in a rotation
// would add refused logins. From then on the login goes on to its verdict,
// within its deadline (a socket deadline for MySQL, a context deadline for
// PostgreSQL), and the Connect returns with it.
func (a *attempts) tryDetached(ctx context.Context, l creds, lg *login) (driver.Conn, failure, error) {
	c := a.c
	lctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stopCaller := context.AfterFunc(ctx, func() {
		if lg.cutOff() {
			cancel(context.Cause(ctx)) // nothing sent: stop it now
		}
	})
	conn, err := c.drv.login(lctx, lg, l.conn)
	stopCaller()
	cancel(nil)
	return a.record(ctx, l, lg, conn, err)
}

// record ends a login that returned conn and err, for the Connect or
// recovery that made it: the verdict goes to the ladder (see verdict) and
// the login to the attempts. A probe that got no verdict is given up (see
// unprobe).
func (a *attempts) record(ctx context.Context, l creds, lg *login, conn driver.Conn, err error) (driver.Conn, failure, error) {
	conn, f, err := a.c.verdict(ctx, l, lg, conn, err)
	if !f.refused() {
		a.c.unprobe(lg, err)
	}
	if f == abandoned {
		return nil, f, err
	}
	a.tried[a.n] = attempt{l.stage, l.password}
	a.n++
	if err == nil {
		return conn, f, nil
	}
	if f.refused() && a.first == nil {
		a.first = err
	}
	return nil, f, err
}

// unprobe gives up the probe lg made, if it was one and failed with err
// for another reason than a refusal (abandoned at the gate, a network
// failure, the deadline before the credentials were sent): another Connect
// may make it. A probe whose Connect's deadline passed after the
// credentials were sent waits for its verdict (see tryDetached).
func (c *Connector) unprobe(lg *login, err error) {
	if lg.probe && err != nil {
		c.ladder.abandonProbe(lg.version)
	}
}

// verdict records what the database answered a login with l: acceptance
// or refusal in the ladder, then the gate's slot is released, and the
// statistics. A login abandoned at the gate returns abandoned and no
// connection.
func (c *Connector) verdict(ctx context.Context, l creds, lg *login, conn driver.Conn, err error) (driver.Conn, failure, error) {
	defer lg.release()
	lg.password = ""
	if lg.gated != nil {
		lg.gated.finish()
		lg.gated = nil
	}
	if lg.abandoned {
		if conn != nil {
			conn.Close()
		}
		return nil, abandoned, err
	}
	c.stats.add(statLogins)
	if c.onLogin != nil {
		c.onLogin(l.stage)
	}
	if err == nil {
		c.ladder.accept(l.version, lg.gen)
		if l.stage != stageCurrent {
			c.fellBack(ctx, l)
		}
		return conn, otherFailure, nil
	}
	err = hideBadConn(err)
	f := c.drv.classify(err)
	if f.refused() {
		c.ladder.refuse(l.version, f, err, time.Now())
		if f == denied {
			c.stats.add(statDenied)
		} else {
			c.stats.add(statRefused)
		}
	}
	return nil, f, err
}

// fellBack logs and counts a login made with a fallback version.
func (c *Connector) fellBack(ctx context.Context, l creds) {
	if l.stage == stagePending {
		c.stats.add(statPendingLogins)
	} else {
		c.stats.add(statPreviousLogins)
	}
	if lg := c.logger(); lg != nil {
		lg.LogAttrs(ctx, slog.LevelWarn, "jdbcstyle: logged in with a fallback version of the secret",
			slog.String("secret_id", c.cfg.SecretID), slog.String("stage", l.stage), slog.String("username", l.username))
	}
}

// fetchFailed records why the version labelled stage could not be read,
// unless the reason is not news: AWSPENDING and AWSPREVIOUS are missing
// outside a rotation, and the context ending is reported anyway.
func (a *attempts) fetchFailed(ctx context.Context, stage string, err error) {
	var nf *secretcache.VersionNotFoundError
	if stage != stageCurrent && errors.As(err, &nf) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return
	}
	a.fetchErrs = append(a.fetchErrs, err)
}

// ctxErr returns why the Connect's context ended, or nil. ctx is derived
// from the caller's, a.loginCtx, which ends first: a child learns that its
// parent ended a moment after the parent's Done channel closes.
func (a *attempts) ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil || a.loginCtx == nil {
		return err
	}
	return a.loginCtx.Err()
}

// fail returns err, the error of a login, as a ConnectError listing the
// logins made.
func (a *attempts) fail(ctx context.Context, err error) error {
	return a.failWith(ctx, err, false)
}

// failWith is fail; withheld says that the Connect did not send
// credentials the database had refused (see ConnectError.Withheld).
func (a *attempts) failWith(ctx context.Context, err error, withheld bool) error {
	if err == nil {
		err = a.first
	}
	ended := a.ctxErr(ctx)
	if err == nil {
		err = ended // gave up waiting for another Connect's recovery
	}
	stages := make([]string, a.n)
	passwords := make([]string, a.n)
	for i, t := range a.tried[:a.n] {
		stages[i], passwords[i] = t.stage, t.password
	}
	return newLoginError(a.c.cfg.SecretID, stages, err, ended, a.fetchErrs, passwords, withheld)
}

// readFailed returns the error of a Connect that could not read AWSCURRENT:
// err, or the first refusal if it had logged in already.
func (a *attempts) readFailed(ctx context.Context, err error) error {
	if a.first == nil {
		return err
	}
	a.fetchErrs = append(a.fetchErrs, err)
	return a.fail(ctx, a.first)
}

// withheld returns the error of a Connect that gives up on a version the
// database refused, err being that refusal.
func (a *attempts) withheld(ctx context.Context, err error) error {
	if a.first != nil || err == nil {
		return a.fail(ctx, a.first)
	}
	if !a.c.drv.classify(err).refused() {
		return a.fail(ctx, err) // the recovery failed otherwise (closed, network)
	}
	a.c.stats.add(statWithheld)
	return a.failWith(ctx, err, true)
}

// recoveryFailed returns the error of a Connect that a failed recovery
// answered. When the Connect sent no credentials itself, because the
// database had refused them and they had not changed, the error says so.
func (a *attempts) recoveryFailed(ctx context.Context, rec *recovery) error {
	a.fetchErrs = append(a.fetchErrs, rec.fetchErrs...)
	return a.withheld(ctx, rec.err)
}
