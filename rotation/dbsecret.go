package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/secretcache/secretcache-go/internal/dbsecret"
)

// dbSecret is a database secret of one version, parsed.
type dbSecret struct {
	*dbsecret.Secret
	stage string   // the version it was read from, for errors
	eng   dbEngine // the engine its "engine" key names
}

// cloneSuffix is what alternating users append to the first user's name.
const cloneSuffix = "_clone"

// altUsername returns the other user of the pair: user_clone for user, and
// user for user_clone.
func altUsername(user string) string {
	if base, ok := strings.CutSuffix(user, cloneSuffix); ok {
		return base
	}
	return user + cloneSuffix
}

// engineNames maps the "engine" key's values to the engines that rotate
// them.
var engineNames = map[string]Engine{
	"mysql":             MySQL,
	"mariadb":           MySQL,
	"aurora-mysql":      MySQL,
	"postgres":          Postgres,
	"aurora-postgresql": Postgres,
}

// parseDBSecret parses value, read from stage, as a database secret that d
// rotates: it must name an engine d handles and a TCP host.
func (d *Database) parseDBSecret(stage, value string) (*dbSecret, error) {
	whose := secretOf(stage)
	s, err := dbsecret.Parse([]byte(value))
	var se *dbsecret.Error
	switch {
	case errors.As(err, &se):
		// The problem of a dbsecret.Error never quotes the value.
		problem := whose + " JSON: " + se.Problem
		if se.Key != "" {
			problem = whose + " " + strconv.Quote(se.Key) + " key: " + se.Problem
		}
		return nil, &Error{Kind: BadSecretValue, Stage: stage, Key: se.Key, Problem: problem}
	case err != nil:
		return nil, &Error{Kind: BadSecretValue, Stage: stage, Problem: whose + " value is not a database secret"}
	}
	bad := func(key, problem string) error {
		if stage == StageMaster && problem == "missing" {
			problem += " (a master secret that RDS manages holds only a username and a password: add engine, host and port to it, or name a secret of your own)"
		}
		return &Error{Kind: BadSecretValue, Stage: stage, Key: key, Problem: whose + " " + strconv.Quote(key) + " key: " + problem}
	}
	eng, ok := engineNames[s.Engine]
	switch {
	case s.Engine == "":
		return nil, bad("engine", "missing")
	case !ok || d.Engine != AnyEngine && eng != d.Engine:
		return nil, bad("engine", "got "+strconv.Quote(s.Engine)+", want one of "+d.engineList())
	case s.Host == "":
		return nil, bad("host", "missing")
	case strings.HasPrefix(s.Host, "/"):
		return nil, bad("host", "a Unix socket; the function connects over TCP")
	}
	return &dbSecret{Secret: s, stage: stage, eng: engines[eng]}, nil
}

// secretOf is how errors name the secret read from stage: "the AWSPENDING
// version's", or "the masterarn secret's" for the admin credentials.
func secretOf(stage string) string {
	if stage == StageMaster {
		return "the masterarn secret's"
	}
	return "the " + stage + " version's"
}

// mismatch is the error of a secret, read from stage, that does not belong
// with AWSCURRENT: its key holds got where AWSCURRENT's holds want.
func mismatch(stage, key, got, want string) error {
	return &Error{Kind: Mismatch, Stage: stage, Key: key,
		Problem: secretOf(stage) + " " + key + " " + strconv.Quote(got) + " is not AWSCURRENT's " + strconv.Quote(want)}
}

// engineList lists the engine values d accepts, for errors.
func (d *Database) engineList() string {
	switch d.Engine {
	case MySQL:
		return "mysql, mariadb, aurora-mysql"
	case Postgres:
		return "postgres, aurora-postgresql"
	}
	return "mysql, mariadb, aurora-mysql, postgres, aurora-postgresql"
}

// read reads and parses the version of r that stage names.
func (d *Database) read(ctx context.Context, r *Invocation, stage string) (*dbSecret, error) {
	var value string
	var err error
	switch stage {
	case StageCurrent:
		value, err = r.Current(ctx)
	case StagePending:
		value, err = r.Pending(ctx)
	}
	if err != nil {
		return nil, err
	}
	return d.parseDBSecret(stage, value)
}

// readPair reads and parses AWSCURRENT and AWSPENDING, for the steps that
// compare or use both.
func (d *Database) readPair(ctx context.Context, r *Invocation) (cur, pend *dbSecret, err error) {
	if cur, err = d.read(ctx, r, StageCurrent); err != nil {
		return nil, nil, err
	}
	if pend, err = d.read(ctx, r, StagePending); err != nil {
		return nil, nil, err
	}
	return cur, pend, nil
}

// withCredentials returns value, a JSON object, with its username and
// password keys replaced and every other key kept as it was.
func withCredentials(value, username, password string) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(value), &fields); err != nil {
		return "", errors.New("not a JSON object") // parseDBSecret accepted it: cannot happen
	}
	for k, v := range map[string]string{"username": username, "password": password} {
		raw, _ := json.Marshal(v) // a string always marshals
		fields[k] = raw
	}
	out, err := json.Marshal(fields)
	return string(out), err
}

// checkPair compares pending with current, the confused-deputy checks of
// setSecret: same engine, host, port and database, and the user the scheme
// expects.
func (d *Database) checkPair(current, pending *dbSecret) error {
	wantUser := current.Username
	if d.Scheme == AlternatingUsers {
		wantUser = altUsername(current.Username)
	}
	switch {
	case pending.Engine != current.Engine:
		return mismatch(StagePending, "engine", pending.Engine, current.Engine)
	case pending.Host != current.Host:
		return mismatch(StagePending, "host", pending.Host, current.Host)
	case pending.Port != current.Port:
		return mismatch(StagePending, "port", strconv.Itoa(pending.Port), strconv.Itoa(current.Port))
	case pending.DBName != current.DBName:
		// createSecret copies it: another one is not this function's.
		return mismatch(StagePending, "dbname", pending.DBName, current.DBName)
	case pending.Username != wantUser && d.Scheme == AlternatingUsers:
		return &Error{Kind: Mismatch, Stage: StagePending, Key: "username",
			Problem: "the AWSPENDING version's username " + strconv.Quote(pending.Username) + " is not the other user of AWSCURRENT's pair, " + strconv.Quote(wantUser)}
	case pending.Username != wantUser:
		return mismatch(StagePending, "username", pending.Username, wantUser)
	}
	return nil
}
