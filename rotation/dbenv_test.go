package rotation

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/secretcache/secretcache-go/internal/testdb"
	"github.com/secretcache/secretcache-go/internal/testlog"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// dbCase is a strategy and an engine.
type dbCase struct {
	name   string
	server func(testing.TB) *testdb.Server
	scheme Scheme
}

var dbCases = []dbCase{
	{"mysql/single-user", testdb.MySQL, SingleUser},
	{"mysql/alternating-users", testdb.MySQL, AlternatingUsers},
	{"postgres/single-user", testdb.Postgres, SingleUser},
	{"postgres/alternating-users", testdb.Postgres, AlternatingUsers},
}

// alternatingCases are the dbCases of alternating users, the scheme with
// a masterarn secret and a clone.
func alternatingCases() []dbCase {
	var cases []dbCase
	for _, c := range dbCases {
		if c.scheme == AlternatingUsers {
			cases = append(cases, c)
		}
	}
	return cases
}

// tlsCases are dbCases on the servers with TLS.
func tlsCases() []dbCase {
	cases := make([]dbCase, len(dbCases))
	for i, c := range dbCases {
		c.server = map[string]func(testing.TB) *testdb.Server{"mysql": testdb.MySQLTLS, "postgres": testdb.PostgresTLS}[strings.Split(c.name, "/")[0]]
		c.name = "tls/" + c.name
		cases[i] = c
	}
	return cases
}

// dbEnv is a real database server with a user, a secret of its
// credentials in the emulator, and a Handler with a Database strategy
// registered as the secret's rotation function.
type dbEnv struct {
	t     testing.TB
	c     dbCase
	srv   *testdb.Server
	admin *sql.DB
	sm    *secretsmanagertest.Server
	db    *Database
	h     *Handler
	arn   string
	user  string
	clone string
	// master and masterPassword are the credentials of the masterarn
	// secret, for alternating users.
	master, masterPassword string
	log                    testlog.Buffer

	dials   atomic.Int64           // connections the strategy opened
	breakOn atomic.Pointer[string] // a statement that kills the connection sending it
	quoteOn atomic.Pointer[string] // a MySQL statement answered with a syntax error quoting it
	// lostOn is a statement sent to the server on a connection closed
	// right after: the server runs it, the answer is lost.
	lostOn atomic.Pointer[string]

	// mu guards wrap and the fields of h and db, which tests change with
	// configure while rotations may run.
	mu   sync.Mutex
	wrap func(ctx context.Context, ev Event, run func() error) error // around each step
	impl secretsmanagertest.RotationFunc                             // instead of the Handler, if set
}

// envConfig is what the options of newDBEnv change.
type envConfig struct {
	emulator []secretsmanagertest.Option
	keys     map[string]any // more keys of the secret and of the masterarn secret
	anyHost  bool           // MySQL: the user exists only at host '%'
	username func(unique string) string
	// password and masterPassword replace the random first passwords of
	// the user and of the admin.
	password, masterPassword string
	// database, if set, names the secrets' database instead of the test's,
	// created with the user's rights on it.
	database func(unique string) string
}

type envOption func(*envConfig)

// oneAttempt leaves a rotation pending after its first failure, instead of
// retrying it.
func oneAttempt(c *envConfig) {
	c.emulator = append(c.emulator, secretsmanagertest.WithRotationAttempts(1))
}

// withKeys adds keys to the secret.
func withKeys(keys map[string]any) envOption { return func(c *envConfig) { c.keys = keys } }

// userNamed names the secret's user name(unique), where unique is a name
// no other test uses: names that need quoting, or of a given length.
func userNamed(name func(unique string) string) envOption {
	return func(c *envConfig) { c.username = name }
}

// withPasswords sets the first passwords of the user and of the admin.
func withPasswords(user, master string) envOption {
	return func(c *envConfig) { c.password, c.masterPassword = user, master }
}

// inDatabase names the secrets' database name(unique), created for the
// test with the user's rights on it.
func inDatabase(name func(unique string) string) envOption {
	return func(c *envConfig) { c.database = name }
}

// anyHostOnly drops the MySQL user's accounts but user@'%', as on RDS
// where users are created for '%' only.
func anyHostOnly(c *envConfig) { c.anyHost = true }

func newDBEnv(t testing.TB, c dbCase, opts ...envOption) *dbEnv {
	t.Helper()
	var cfg envConfig
	for _, o := range opts {
		o(&cfg)
	}
	e := &dbEnv{t: t, c: c, srv: c.server(t)}
	e.admin = e.srv.AdminDB(t)
	unique := testdb.UniqueName("rot")
	e.user = unique
	password := cmp.Or(cfg.password, randomPassword())
	if cfg.username != nil {
		e.user = cfg.username(unique)
		e.srv.CreateQuotedUser(t, e.user, password)
	} else {
		e.srv.CreateUser(t, e.user, password)
	}
	e.clone = e.user + cloneSuffix
	t.Cleanup(func() { e.dropUser(e.clone) }) // before CreateUser's cleanup drops the user
	if cfg.anyHost && e.srv.Engine == testdb.EngineMySQL {
		e.adminExec("DROP USER ?@'localhost', ?@'127.0.0.1'", e.user, e.user)
	}
	if e.srv.RootCAs() != nil && e.srv.Engine == testdb.EngineMySQL {
		// Only the PostgreSQL TLS server refuses logins without TLS.
		e.adminExec("ALTER USER ?@'%', ?@'localhost', ?@'127.0.0.1' REQUIRE SSL", e.user, e.user, e.user)
	}
	e.sm = secretsmanagertest.NewServer(cfg.emulator...)
	t.Cleanup(e.sm.Close)
	dbname := e.srv.Database()
	if cfg.database != nil {
		dbname = e.newDatabase(cfg.database(unique))
	}
	secret := map[string]any{"engine": e.srv.Engine, "host": e.srv.Host, "port": e.srv.Port,
		"username": e.user, "password": password, "dbname": dbname}
	if c.scheme == AlternatingUsers {
		secret["masterarn"] = e.newMaster(cfg.keys, cmp.Or(cfg.masterPassword, randomPassword()))
	}
	for k, v := range cfg.keys {
		secret[k] = v
	}
	var err error
	if e.arn, err = e.sm.CreateSecret("app/"+unique, mustJSON(secret)); err != nil {
		t.Fatal(err)
	}
	e.db = &Database{Scheme: c.scheme, Dial: e.dial}
	if roots := e.srv.RootCAs(); roots != nil {
		e.db.TLS = TLS{RootCAs: roots}
	} else {
		e.db.TLS = TLS{Mode: TLSDisable}
	}
	e.h = &Handler{Client: e.sm.Client(), Strategy: e.db, Logger: slog.New(slog.NewJSONHandler(&e.log, nil))}
	if err := e.sm.SetRotationFunc(e.arn, e.invoke); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.checkLog)
	return e
}

// newMaster creates an admin account for alternating users and a secret
// of its credentials with keys added, and returns the secret's ARN.
func (e *dbEnv) newMaster(keys map[string]any, password string) string {
	name := testdb.UniqueName("adm")
	e.master, e.masterPassword = name, password
	if e.srv.Engine == testdb.EngineMySQL {
		e.adminExec("CREATE USER ?@'%' IDENTIFIED BY ?", name, password)
		e.adminExec("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", name)
	} else {
		e.adminExec("CREATE ROLE " + pgx.Identifier{name}.Sanitize() + " LOGIN CREATEROLE PASSWORD " + pgLiteral(password))
	}
	e.t.Cleanup(func() { e.dropUser(name) })
	master := map[string]any{"engine": e.srv.Engine, "host": e.srv.Host, "port": e.srv.Port, "username": name, "password": password}
	for k, v := range keys {
		master[k] = v
	}
	arn, err := e.sm.CreateSecret("admin/"+name, mustJSON(master))
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// newDatabase creates a database named name, on which the user has every
// right, dropped when the test ends, and returns its name.
func (e *dbEnv) newDatabase(name string) string {
	if e.srv.Engine == testdb.EngineMySQL {
		db := "`" + strings.ReplaceAll(name, "`", "``") + "`"
		e.adminExec("CREATE DATABASE " + db)
		e.t.Cleanup(func() { e.adminExecCleanup("DROP DATABASE " + db) })
		for _, host := range []string{"%", "localhost", "127.0.0.1"} {
			e.adminExec("GRANT ALL PRIVILEGES ON "+db+".* TO ?@?", e.user, host)
		}
		return name
	}
	db := pgx.Identifier{name}.Sanitize()
	e.adminExec("CREATE DATABASE " + db)
	e.t.Cleanup(func() { e.adminExecCleanup("DROP DATABASE " + db + " WITH (FORCE)") })
	e.adminExec("GRANT ALL PRIVILEGES ON DATABASE " + db + " TO " + pgx.Identifier{e.user}.Sanitize())
	return name
}

// pgLiteral quotes s as a PostgreSQL escape string constant.
func pgLiteral(s string) string {
	return "E'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}

func (e *dbEnv) adminExec(query string, args ...any) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.admin.ExecContext(ctx, query, args...); err != nil {
		e.t.Fatalf("admin: %v", err)
	}
}

// adminExecCleanup is adminExec for a cleanup, which reports an error
// without stopping the other cleanups.
func (e *dbEnv) adminExecCleanup(query string, args ...any) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.admin.ExecContext(ctx, query, args...); err != nil {
		e.t.Errorf("admin cleanup: %v", err)
	}
}

// dropUser drops user's accounts and ends its sessions.
func (e *dbEnv) dropUser(user string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	if e.srv.Engine == testdb.EngineMySQL {
		for _, host := range []string{"%", "localhost", "127.0.0.1"} {
			_, err = e.admin.ExecContext(ctx, "DROP USER IF EXISTS ?@?", user, host)
			var me *mysql.MySQLError
			if errors.As(err, &me) && me.Number == 1470 {
				return // a name too long to exist
			}
			if err != nil {
				break
			}
		}
	} else {
		// The role may own objects a test made as the clone.
		role := pgx.Identifier{user}.Sanitize()
		var exists bool
		err = e.admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", user).Scan(&exists)
		for _, stmt := range []string{"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
			"DROP OWNED BY " + role, "DROP ROLE " + role} {
			if err != nil || !exists {
				break
			}
			var args []any
			if strings.Contains(stmt, "$1") {
				args = []any{user}
			}
			_, err = e.admin.ExecContext(ctx, stmt, args...)
		}
	}
	if err != nil {
		e.t.Errorf("drop user %s: %v", user, err)
	}
}

// invoke is the rotation function registered with the emulator: the
// Handler, adapted from the emulator's request, run through e.wrap.
func (e *dbEnv) invoke(ctx context.Context, req secretsmanagertest.RotationRequest) error {
	ev := Event{SecretID: req.SecretID, ClientRequestToken: req.ClientRequestToken, Step: Step(req.Step), RotationToken: req.RotationToken}
	e.mu.Lock()
	wrap, impl, h, d := e.wrap, e.impl, *e.h, *e.db
	e.mu.Unlock()
	h.Strategy = &d
	run := func() error { return h.Handle(ctx, ev) }
	if impl != nil {
		run = func() error { return impl(ctx, req) }
	}
	if wrap == nil {
		return run()
	}
	return wrap(ctx, ev, run)
}

// configure changes the Handler or the Database strategy.
func (e *dbEnv) configure(f func(h *Handler, d *Database)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(e.h, e.db)
}

func (e *dbEnv) setWrap(wrap func(ctx context.Context, ev Event, run func() error) error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.wrap = wrap
}

// rotate starts a rotation with RotateSecret and returns its token once it
// has ended, with its outcome.
func (e *dbEnv) rotate() (string, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	token, err := e.start(ctx)
	if err != nil {
		return "", err
	}
	return token, e.sm.WaitRotation(ctx, e.arn)
}

// start calls RotateSecret and returns the rotation's token.
func (e *dbEnv) start(ctx context.Context) (string, error) {
	out, err := e.sm.Client().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(e.arn)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// checkLog fails the test if the log shows a password of any version.
func (e *dbEnv) checkLog() {
	stages, err := e.sm.VersionStages(e.arn)
	if err != nil {
		return
	}
	log := e.log.String()
	for id := range stages {
		out, err := e.sm.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(e.arn), VersionId: aws.String(id)})
		if err != nil {
			continue
		}
		var v struct{ Password string }
		_ = json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v)
		if v.Password != "" && strings.Contains(log, v.Password) {
			e.t.Errorf("the log shows the password of version %s", id)
		}
	}
	if e.masterPassword != "" && strings.Contains(log, e.masterPassword) {
		e.t.Error("the log shows the admin's password")
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func randomPassword() string { return rand.Text() }
