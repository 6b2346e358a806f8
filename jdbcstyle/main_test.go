package jdbcstyle

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

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
	id     string // the secret's name
}

// forEachEngine runs test in parallel subtests, one per engine.
func forEachEngine(t *testing.T, test func(t *testing.T, e *env)) {
	t.Helper()
	for _, engine := range []Engine{MySQL, Postgres} {
		t.Run(engine.String(), func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, engine))
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
	e.sm = secretsmanagertest.NewServer()
	t.Cleanup(e.sm.Close)
	client := e.sm.Client()
	cache, err := secretcache.New(append([]func(*secretcache.Cache){func(c *secretcache.Cache) { c.Client = client }}, opts...)...)
	if err != nil {
		t.Fatalf("secretcache.New: %v", err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	e.cache = cache
	return e
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
	b, err := json.Marshal(map[string]any{
		"engine": e.engine.String(), "host": e.db.Host, "port": e.db.Port,
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

func (e *env) putSecret(t testing.TB, value string, stages ...string) string {
	t.Helper()
	v, err := e.sm.PutSecretValue(e.id, value, stages...)
	if err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	return v
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
	c, err := NewConnector(e.cache, e.engine, e.dsn(params))
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	l := &logins{}
	c.onLogin = l.add
	t.Cleanup(func() { _ = c.Close() })
	return c, l
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

func equalStages(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }
