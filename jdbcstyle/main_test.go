package jdbcstyle

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/internal/loginrelay"
	"github.com/secretcache/secretcache-go/internal/testdb"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is one test's world: a database server, an in-process Secrets
// Manager with the test's own secret, and a cache reading it.
type env struct {
	engine Engine
	db     *testdb.Server
	sm     *secretsmanagertest.Server
	cache  *secretcache.Cache
	id     string            // the secret's name
	relay  *loginrelay.Relay // where the secret points instead of db, once set by viaRelay
}

// viaRelay puts a relay in front of the test's database server, for
// secrets written after it, and returns it: the relay counts what the
// server refused.
func (e *env) viaRelay(t testing.TB) *loginrelay.Relay {
	t.Helper()
	e.relay = loginrelay.Start(t, e.db.Engine, net.JoinHostPort(e.db.Host, strconv.Itoa(e.db.Port)))
	return e.relay
}

// forEachEngine runs test in parallel subtests, one per engine, each in an
// env whose cache opts configure.
func forEachEngine(t *testing.T, test func(t *testing.T, e *env), opts ...func(*secretcache.Cache)) {
	t.Helper()
	for _, engine := range []Engine{MySQL, Postgres} {
		t.Run(engine.String(), func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, engine, opts...))
		})
	}
}

func newEnv(t testing.TB, engine Engine, opts ...func(*secretcache.Cache)) *env {
	t.Helper()
	e := &env{engine: engine, id: "test/" + testdb.UniqueName("secret")}
	if engine == MySQL {
		e.db = testdb.MySQL(t)
	} else {
		e.db = testdb.Postgres(t)
	}
	e.sm, e.cache = newCache(t, opts...)
	return e
}

// newCache returns an in-process Secrets Manager and a cache reading it,
// configured by opts; both are closed when t ends.
func newCache(t testing.TB, opts ...func(*secretcache.Cache)) (*secretsmanagertest.Server, *secretcache.Cache) {
	t.Helper()
	sm := secretsmanagertest.NewServer()
	t.Cleanup(sm.Close)
	client := sm.Client()
	cache, err := secretcache.New(append([]func(*secretcache.Cache){func(c *secretcache.Cache) { c.Client = client }}, opts...)...)
	if err != nil {
		t.Fatalf("secretcache.New: %v", err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	return sm, cache
}

// newUser creates a database user with a random password.
func (e *env) newUser(t testing.TB, prefix string) (user, password string) {
	t.Helper()
	user, password = testdb.UniqueName(prefix), randomPassword(t)
	e.db.CreateUser(t, user, password)
	return user, password
}

// secretJSON is a database secret as AWS's rotation templates write it.
func (e *env) secretJSON(t testing.TB, user, password string) string {
	t.Helper()
	host, port := e.db.Host, e.db.Port
	if e.relay != nil {
		host, port = e.relay.Host, e.relay.Port
	}
	b, err := json.Marshal(map[string]any{
		"engine": e.engine.String(), "host": host, "port": port,
		"username": user, "password": password, "dbname": e.db.Database(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *env) createSecret(t testing.TB, value string) {
	t.Helper()
	if _, err := e.sm.CreateSecret(e.id, value); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
}

func (e *env) putSecret(t testing.TB, value string, stages ...string) {
	t.Helper()
	if _, err := e.sm.PutSecretValue(e.id, value, stages...); err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
}

// cacheCurrent loads the secret's AWSCURRENT version into the cache.
func (e *env) cacheCurrent(t testing.TB) {
	t.Helper()
	if _, err := e.cache.GetSecretString(e.id); err != nil {
		t.Fatalf("GetSecretString: %v", err)
	}
}

// moveCurrent moves AWSCURRENT to the version labelled stage, as a
// rotation's finishSecret step does.
func (e *env) moveCurrent(t testing.TB, stage string) {
	t.Helper()
	versions, err := e.sm.VersionStages(e.id)
	if err != nil {
		t.Fatal(err)
	}
	var from, to string
	for v, labels := range versions {
		if slices.Contains(labels, stageCurrent) {
			from = v
		}
		if slices.Contains(labels, stage) {
			to = v
		}
	}
	_, err = e.sm.Client().UpdateSecretVersionStage(context.Background(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(e.id), VersionStage: aws.String(stageCurrent),
		MoveToVersionId: aws.String(to), RemoveFromVersionId: aws.String(from),
	})
	if err != nil {
		t.Fatalf("UpdateSecretVersionStage: %v", err)
	}
}

// rotatePassword plays a single-user rotation of user's password: the
// database first (setSecret), then the secret, in one step.
func (e *env) rotatePassword(t testing.TB, user string) {
	t.Helper()
	pw := randomPassword(t)
	e.db.SetPassword(t, user, pw)
	if _, err := e.sm.Rotate(context.Background(), e.id, e.secretJSON(t, user, pw)); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
}

// logins records the stages of a Connector's login attempts.
type logins struct {
	mu     sync.Mutex
	stages []string
}

func (l *logins) add(stage string) {
	l.mu.Lock()
	l.stages = append(l.stages, stage)
	l.mu.Unlock()
}

// take returns the stages recorded since the last take.
func (l *logins) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stages
	l.stages = nil
	return s
}

// connector returns a Connector on the test's secret, with params appended
// to the DSN, and the record of its logins.
func (e *env) connector(t testing.TB, params string) (*Connector, *logins) {
	t.Helper()
	return e.connectorDSN(t, e.dsn(params))
}

func (e *env) connectorDSN(t testing.TB, dsn string) (*Connector, *logins) {
	t.Helper()
	c, err := NewConnector(e.cache, e.engine, dsn)
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	l := &logins{}
	c.onLogin = l.add
	t.Cleanup(func() { _ = c.Close() })
	return c, l
}

// userConnector creates a database user with a random password and the
// test's secret holding its credentials, and returns the user and
// connector(t, params).
func (e *env) userConnector(t testing.TB, prefix, params string) (string, *Connector, *logins) {
	t.Helper()
	user, pw := e.newUser(t, prefix)
	e.createSecret(t, e.secretJSON(t, user, pw))
	c, l := e.connector(t, params)
	return user, c, l
}

// userDB is userConnector without params, behind openDB's pool.
func (e *env) userDB(t testing.TB, prefix string) (string, *sql.DB, *logins) {
	t.Helper()
	user, c, l := e.userConnector(t, prefix, "")
	return user, e.openDB(t, c), l
}

// dsn returns the DSN of the test's secret with the driver params the test
// server needs (e.g. sslmode=disable for a server without TLS) and extra,
// "" or "?name=value&...".
func (e *env) dsn(extra string) string {
	plain := e.db.DSN("user", "password")
	var base string
	if e.engine == Postgres {
		if u, err := url.Parse(plain); err == nil {
			base = u.RawQuery
		}
	} else if _, q, ok := strings.Cut(plain, "?"); ok {
		base = q
	}
	params := strings.Trim(base+"&"+strings.TrimPrefix(extra, "?"), "&")
	if params == "" {
		return e.id
	}
	return e.id + "?" + params
}

// openDB returns a pool that opens a new connection for every query, so
// that each query exercises Connect.
func (e *env) openDB(t testing.TB, c *Connector) *sql.DB {
	t.Helper()
	db := sql.OpenDB(c)
	db.SetMaxIdleConns(0)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// queryer is what *sql.DB and *sql.Conn have in common.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// whoami returns the user a connection is logged in as.
func (e *env) whoami(ctx context.Context, q queryer) (string, error) {
	query := "SELECT current_user"
	if e.engine == MySQL {
		query = "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)"
	}
	var user string
	err := q.QueryRowContext(ctx, query).Scan(&user)
	return user, err
}

func randomPassword(t testing.TB) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "pw-" + hex.EncodeToString(b)
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// checkNoPassword fails t if err, printed with %v, %+v or %#v, shows one of
// passwords.
func checkNoPassword(t testing.TB, err error, passwords ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, pw := range passwords {
			if strings.Contains(text, pw) {
				t.Fatalf("error text contains a password")
			}
		}
	}
}

// ownGoroutines returns the stacks of the goroutines running code of this
// package, other than tests.
func ownGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var own []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "jdbcstyle.(*") && !strings.Contains(g, "testing.tRunner") &&
			!strings.Contains(g, "jdbcstyle.Test") {
			own = append(own, g)
		}
	}
	return own
}

// checkNoOwnGoroutines fails t if goroutines of this package are still
// running once a deadline passed.
func checkNoOwnGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		own := ownGoroutines()
		if len(own) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the package still run; the first:\n%s", len(own), own[0])
		}
		time.Sleep(10 * time.Millisecond) // polling for goroutines to end
	}
}
