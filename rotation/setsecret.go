package rotation

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
)

// setSingle changes the user's own password. It logs in with AWSCURRENT
// first, where AWS's templates try AWSPENDING first: while AWSCURRENT's
// password works the database does not hold AWSPENDING's (the same
// user's, and one password per account), so a rotation spends no refused
// login on the user it rotates. Only when AWSCURRENT is refused does it
// check whether AWSPENDING is set already. (MySQL 8's dual passwords may
// accept both; setting the same password again is then harmless.)
func (d *Database) setSingle(ctx context.Context, r *Invocation, cur, pend *dbSecret) error {
	s, err := d.login(ctx, cur, cur.DBName)
	used := StageCurrent
	if isKind(err, LoginRefused) {
		refused := err
		if done, err := d.pendingWorks(ctx, r, pend); done || err != nil {
			return err
		}
		prev, perr := d.previous(ctx, r, pend)
		if perr != nil {
			return perr
		}
		if prev == nil {
			return refusedAll(cur.eng, refused, pend.Username, StagePending, StageCurrent)
		}
		if s, err = d.login(ctx, prev, prev.DBName); isKind(err, LoginRefused) {
			return refusedAll(cur.eng, refused, pend.Username, StagePending, StageCurrent, StagePrevious)
		}
		used = StagePrevious
	}
	if err != nil {
		return err
	}
	defer s.close()
	sctx, cancel := shorten(ctx, statementTimeout)
	defer cancel()
	if err := s.setOwnPassword(sctx, string(pend.Password)); err != nil {
		return dbError(err, "setting the AWSPENDING password as user "+strconv.Quote(pend.Username))
	}
	r.Logger().InfoContext(ctx, "set the AWSPENDING password", slog.String("user", pend.Username), slog.String("loggedInWith", used))
	return nil
}

// previous returns AWSPREVIOUS when it exists, parses, and has the same
// user, host and port as pending; nil otherwise: AWS's templates likewise
// ignore a missing or malformed AWSPREVIOUS.
func (d *Database) previous(ctx context.Context, r *Invocation, pend *dbSecret) (*dbSecret, error) {
	value, ok, err := r.Previous(ctx)
	if err != nil || !ok {
		return nil, err
	}
	prev, err := d.parseDBSecret(StagePrevious, value)
	if err != nil || prev.Username != pend.Username || prev.Host != pend.Host || prev.Port != pend.Port || prev.Engine != pend.Engine {
		return nil, nil
	}
	return prev, nil
}

// refusedAll is the error of a single-user setSecret that found no
// credentials the database accepts.
func refusedAll(eng dbEngine, first error, user string, stages ...string) error {
	var e *Error
	errors.As(first, &e) // first is a LoginRefused *Error
	list := stages[0]
	for i, s := range stages[1:] {
		if i == len(stages)-2 {
			list += " and " + s
		} else {
			list += ", " + s
		}
	}
	problem := "the database refused the credentials of " + list + " for user " + strconv.Quote(user)
	if eng.wrongPassword(e.Err) {
		// Not when the role may not log in, say: that is no password's fault.
		problem += ": its password matches none of them (was it changed outside Secrets Manager?)"
	}
	return &Error{Kind: LoginRefused, Stage: StageCurrent, Err: e.Err, Problem: problem}
}

// setAlternating sets the other user's password with the admin
// credentials, creating it when it does not exist. It tries AWSPENDING
// first, as AWS's templates do: the other user is not logged in with
// otherwise, and only an admin could tell whether its password is set.
func (d *Database) setAlternating(ctx context.Context, r *Invocation, cur, pend *dbSecret) error {
	if done, err := d.pendingWorks(ctx, r, pend); done || err != nil {
		return err
	}
	// AWSCURRENT must work: the function rotates credentials that are in
	// use, not ones someone put in the secret.
	s, err := d.login(ctx, cur, cur.DBName)
	if err != nil {
		return err
	}
	s.close()
	if cur.MasterARN == "" {
		return &Error{Kind: BadSecretValue, Stage: StageCurrent, Key: "masterarn", Problem: `the AWSCURRENT version's "masterarn" key: missing`}
	}
	value, err := r.Master(ctx, cur.MasterARN)
	if err != nil {
		return err
	}
	master, err := d.parseDBSecret(StageMaster, value)
	if err != nil {
		return err
	}
	switch {
	case master.eng != cur.eng:
		return mismatch(StageMaster, "engine", master.Engine, cur.Engine)
	case master.Host != cur.Host:
		return mismatch(StageMaster, "host", master.Host, cur.Host)
	case master.Port != cur.Port:
		return mismatch(StageMaster, "port", strconv.Itoa(master.Port), strconv.Itoa(cur.Port))
	case pend.Username == master.Username:
		// A secret whose user is <admin>_clone would otherwise have the
		// admin's password set to one stored in the rotated secret.
		return &Error{Kind: Mismatch, Stage: StagePending, Key: "username",
			Problem: "the AWSPENDING version's username " + strconv.Quote(pend.Username) + " is the masterarn secret's user: the function does not set the admin's password"}
	}
	admin, err := d.login(ctx, master, cur.DBName)
	if err != nil {
		return err
	}
	defer admin.close()
	sctx, cancel := shorten(ctx, statementTimeout)
	defer cancel()
	created, err := admin.setUser(sctx, pend.Username, string(pend.Password), cur.Username)
	if err != nil {
		return dbError(err, "setting up user "+strconv.Quote(pend.Username)+" as "+strconv.Quote(cur.Username)+"'s clone with the masterarn credentials")
	}
	r.Logger().InfoContext(ctx, "set the AWSPENDING user's password with the masterarn credentials",
		slog.String("user", pend.Username), slog.String("template", cur.Username), slog.Bool("created", created))
	return nil
}
