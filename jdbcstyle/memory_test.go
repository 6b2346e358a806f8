package jdbcstyle

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/secretcache/secretcache-go/hook"
	"github.com/secretcache/secretcache-go/secretcache"
)

// masked holds a secret value XORed with a random mask, so that the test
// itself keeps no plaintext copy that a heap dump would find.
type masked struct{ data, mask []byte }

func mask(plain []byte) masked {
	m := masked{data: make([]byte, len(plain)), mask: make([]byte, len(plain))}
	rand.Read(m.mask)
	for i := range plain {
		m.data[i] = plain[i] ^ m.mask[i]
	}
	clear(plain)
	return m
}

// reveal returns the plaintext in a new slice, which the caller wipes.
func (m masked) reveal() []byte {
	p := make([]byte, len(m.data))
	for i := range p {
		p[i] = m.data[i] ^ m.mask[i]
	}
	return p
}

// maskedClient serves one secret version from a masked JSON document, so
// that nothing but the cache's hook holds it between calls.
type maskedClient struct {
	secretcache.SecretsManagerAPIClient
	id     string
	secret masked
}

func (m *maskedClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if stage := aws.ToString(in.VersionStage); stage != "" && stage != stageCurrent {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no such stage")}
	}
	plain := m.secret.reveal()
	s := string(plain)
	clear(plain)
	return &secretsmanager.GetSecretValueOutput{
		Name: aws.String(m.id), ARN: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + m.id),
		VersionId: aws.String("v1"), VersionStages: []string{stageCurrent}, SecretString: &s,
	}, nil
}

// TestNoPlaintextWithHook: with hook.AESGCM on the cache, a Connector that
// has logged in keeps neither the password nor the secret JSON: a heap dump
// taken between Connects (its connections closed, since the drivers keep
// their config, password included, for a connection's life) holds neither.
// A dump with a live copy of the password finds it, so the scan works.
func TestNoPlaintextWithHook(t *testing.T) {
	for _, engine := range []Engine{MySQL, Postgres} {
		t.Run(engine.String(), func(t *testing.T) {
			e := newEnv(t, engine)
			ctx := testContext(t)
			user, _ := e.newUser(t, "heap")

			pwBytes := make([]byte, 16)
			rand.Read(pwBytes)
			password := mask([]byte("pw-" + hex.EncodeToString(pwBytes)))
			markerBytes := make([]byte, 16)
			rand.Read(markerBytes)
			marker := mask([]byte("marker-" + hex.EncodeToString(markerBytes)))
			setPasswordPrivately(t, e, user, password)

			secret := func() masked {
				pw, mk := password.reveal(), marker.reveal()
				defer clear(pw)
				defer clear(mk)
				return mask([]byte(fmt.Sprintf(`{"engine":%q,"host":%q,"port":%d,"username":%q,"password":%q,"dbname":%q,"note":%q}`,
					engine.String(), e.db.Host, e.db.Port, user, pw, e.db.Database(), mk)))
			}()
			h, err := hook.NewAESGCM(nil)
			if err != nil {
				t.Fatal(err)
			}
			cache, err := secretcache.New(func(c *secretcache.Cache) {
				c.Client = &maskedClient{id: "heap", secret: secret}
				c.Hook = h
			})
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			// The test's DSN with the masked client's secret ID.
			c, err := NewConnector(cache, engine, "heap"+e.dsn("")[len(e.id):])
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for i := range 3 {
				conn, err := c.Connect(ctx)
				if err != nil {
					t.Fatalf("Connect %d: %v", i, err)
				}
				conn.Close()
			}

			if n := countInHeap(t, nil, password); n != 0 {
				t.Errorf("a heap dump holds %d copies of the password, want none", n)
			}
			if n := countInHeap(t, nil, marker); n != 0 {
				t.Errorf("a heap dump holds %d copies of the secret JSON's marker, want none", n)
			}
			live := password.reveal()
			if n := countInHeap(t, live, password); n == 0 {
				t.Errorf("a heap dump with a live copy of the password: found none, want the scan to find it")
			}
			clear(live)
			runtime.KeepAlive(c)
			runtime.KeepAlive(cache)
		})
	}
}

// setPasswordPrivately sets user's password through an admin pool of its
// own, closed at once: the shared admin pool's buffers would otherwise keep
// the statement that carried it.
func setPasswordPrivately(t *testing.T, e *env, user string, password masked) {
	t.Helper()
	admin := e.db.AdminDB(t)
	defer admin.Close()
	pw := password.reveal()
	defer clear(pw)
	var err error
	if e.engine == MySQL {
		for _, host := range []string{"%", "localhost", "127.0.0.1"} {
			if _, err = admin.ExecContext(testContext(t), "ALTER USER ?@? IDENTIFIED BY ?", user, host, string(pw)); err != nil {
				break
			}
		}
	} else {
		_, err = admin.ExecContext(testContext(t), "ALTER ROLE "+pgx.Identifier{user}.Sanitize()+" PASSWORD '"+string(pw)+"'")
	}
	if err != nil {
		t.Fatalf("set the password: %v", err)
	}
}

// countInHeap collects garbage, writes a heap dump and counts the
// occurrences of the masked value in it. The value is unmasked only after
// the dump, so the search itself is not found. keep is held live across the
// dump.
func countInHeap(t *testing.T, keep []byte, m masked) int {
	t.Helper()
	for range 3 { // sync.Pool victims survive one collection
		runtime.GC()
	}
	path := filepath.Join(t.TempDir(), "heap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
	runtime.KeepAlive(keep)
	dump, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	needle := m.reveal()
	defer clear(needle)
	return bytes.Count(dump, needle)
}

// TestNoPlaintextInPgxPool: with hook.AESGCM on the cache, a pgxpool.Pool
// from NewPgxPoolConfig holds no plaintext password, not even in the
// connections it keeps open: they were handed to pgx without one.
func TestNoPlaintextInPgxPool(t *testing.T) {
	e := newEnv(t, Postgres)
	ctx := testContext(t)
	user, _ := e.newUser(t, "heappool")
	pwBytes := make([]byte, 16)
	rand.Read(pwBytes)
	password := mask([]byte("pw-" + hex.EncodeToString(pwBytes)))
	setPasswordPrivately(t, e, user, password)
	secret := func() masked {
		pw := password.reveal()
		defer clear(pw)
		return mask([]byte(fmt.Sprintf(`{"engine":"postgres","host":%q,"port":%d,"username":%q,"password":%q,"dbname":%q}`,
			e.db.Host, e.db.Port, user, pw, e.db.Database())))
	}()
	h, err := hook.NewAESGCM(nil)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = &maskedClient{id: "heappool", secret: secret}
		c.Hook = h
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	cfg, err := NewPgxPoolConfig(cache, "heappool"+e.dsn("pool_max_conns=3")[len(e.id):])
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := pool.Exec(ctx, "SELECT pg_sleep(0.05)"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := pool.Stat().TotalConns(); got == 0 {
		t.Fatal("the pool keeps no connection open")
	}
	if n := countInHeap(t, nil, password); n != 0 {
		t.Errorf("a heap dump with the pool's connections open holds %d copies of the password, want none", n)
	}
	runtime.KeepAlive(pool)
}
