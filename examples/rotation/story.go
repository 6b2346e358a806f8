package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/examples/internal/dbdemo"
	"github.com/secretcache/secretcache-go/jdbcstyle"
	"github.com/secretcache/secretcache-go/rotation"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const (
	secretID = "demo/rotation"
	adminID  = "demo/rotation-admin"

	// settleTimeout bounds the wait for a phase's condition beyond its
	// least duration.
	settleTimeout = 15 * time.Second
)

// facts is what a run observed, for its test to check.
type facts struct {
	user, clone string   // the demo users
	passwords   []string // every password set; none may be printed
	phases      []phase
	// windowOpened counts connections opened between setSecret and
	// finishSecret of the single-user rotation, when only AWSPENDING's
	// password worked.
	windowOpened int64
	firstErr     error // the workload's first error, if any
}

// story is the state the steps of the story share.
type story struct {
	wmu   sync.Mutex // serialises writes to w
	w     io.Writer
	eng   engine
	opts  options
	admin *sql.DB
	srv   *secretsmanagertest.Server
	cache *secretcache.Cache
	conn  *countingConnector
	relay *relay
	// rotationReads counts the rotation function's GetSecretValue calls.
	rotationReads atomic.Int64
	wl            *workload
	start         time.Time
	facts         facts

	phaseName  string
	phaseStart time.Time
	phaseFrom  counts
}

// tell runs the story against the server opts name and writes it to w.
func tell(ctx context.Context, w io.Writer, eng engine, opts options) (facts, error) {
	st := &story{w: w, eng: eng, opts: opts}
	admin, addr, err := opts.admin.Open(eng)
	if err != nil {
		return st.facts, err
	}
	if admin != opts.admin.DB {
		defer admin.Close()
	}
	if addr.Host == "" || strings.HasPrefix(addr.Host, "/") || addr.Port == 0 {
		return st.facts, errors.New("the server must be reached over TCP: give -admin-dsn a host and port")
	}
	st.admin = admin
	var version string
	if err := admin.QueryRowContext(ctx, eng.version()).Scan(&version); err != nil {
		return st.facts, fmt.Errorf("admin connection: %w", err)
	}

	if st.relay, err = startRelay(net.JoinHostPort(addr.Host, strconv.Itoa(addr.Port))); err != nil {
		return st.facts, err
	}
	defer st.relay.close()

	st.facts.user = "rot_" + dbdemo.RandomHex(4)
	st.facts.clone = st.facts.user + "_clone"
	rotAdmin := "rotadm_" + dbdemo.RandomHex(4)
	// The first user goes last: on PostgreSQL the clone is a member of its
	// role.
	defer dbdemo.DropUsers(ctx, eng, admin, st.facts.clone, rotAdmin, st.facts.user)
	// Both secrets name the relay: it is the address the services use.
	// The admin secret is the one the masterarn key names, which
	// alternating-users rotation logs in with to create the clone.
	user := dbdemo.Secret{
		Engine: eng.JDBC().String(), Host: "127.0.0.1", Port: st.relay.addr().Port,
		Username: st.facts.user, Password: st.newPassword(), DBName: addr.Database,
	}
	rotator := user
	rotator.Username, rotator.Password, rotator.DBName = rotAdmin, st.newPassword(), ""
	if err := eng.CreateUser(ctx, admin, user.Username, user.Password, addr.Database); err != nil {
		return st.facts, fmt.Errorf("creating the demo user: %w", err)
	}
	if err := eng.createAdmin(ctx, admin, rotator.Username, rotator.Password, user.Username); err != nil {
		return st.facts, fmt.Errorf("creating the rotation's admin account: %w", err)
	}

	st.srv = secretsmanagertest.NewServer()
	defer st.srv.Close()
	if user.MasterARN, err = st.srv.CreateSecret(adminID, jsonOf(rotator)); err != nil {
		return st.facts, err
	}
	if _, err := st.srv.CreateSecret(secretID, jsonOf(user)); err != nil {
		return st.facts, err
	}

	st.cache, err = secretcache.New(func(c *secretcache.Cache) {
		c.Client = st.srv.Client()
		c.CacheItemTTL = int64(opts.ttl)
	})
	if err != nil {
		return st.facts, err
	}
	defer st.cache.Close()

	dsn := secretID
	if p := eng.driverParams(); p != "" {
		dsn += "?" + p
	}
	conn, err := jdbcstyle.NewConnector(st.cache, eng.JDBC(), dsn)
	if err != nil {
		return st.facts, err
	}
	st.conn = &countingConnector{Connector: conn}
	db := sql.OpenDB(st.conn)
	defer db.Close()
	db.SetMaxOpenConns(opts.workers)
	db.SetMaxIdleConns(opts.workers)
	db.SetConnMaxLifetime(opts.lifetime)

	fmt.Fprintf(w, "%s at %s; secret %q (user %s) in an embedded Secrets Manager\n",
		version, net.JoinHostPort(addr.Host, strconv.Itoa(addr.Port)), secretID, st.facts.user)
	fmt.Fprintf(w, "%d workers query through one *sql.DB = sql.OpenDB(jdbcstyle.NewConnector(cache, %s, %q))\n",
		opts.workers, eng.GoName(), dsn)
	fmt.Fprintf(w, "connections live %s (SetConnMaxLifetime), cache TTL %s, logins counted by a relay in front of the server\n\n",
		opts.lifetime, opts.ttl)

	if st.eng.acceptsWrongPassword(ctx, addr, user.Username) {
		fmt.Fprintf(w, "warning: the server lets %s log in with a wrong password (trust authentication?); no login will be refused below\n\n", user.Username)
	}

	st.wl = newWorkload(db, eng.whoami())
	defer st.wl.stop()
	for _, step := range []func(context.Context) error{st.steady, st.singleUser, st.alternatingUsers} {
		if err := step(ctx); err != nil {
			return st.facts, err
		}
	}
	st.wl.stop()
	st.wl.mu.Lock()
	st.facts.firstErr = st.wl.firstErr
	st.wl.mu.Unlock()
	st.rememberPasswords()
	st.report()
	return st.facts, nil
}

// steady lets the workload run before any rotation.
func (st *story) steady(ctx context.Context) error {
	// The counts start before the workload, whose first login reads the
	// secret.
	st.begin("steady state")
	st.start = time.Now()
	st.wl.start(st.opts.workers)
	st.log("workload started")
	if err := st.settle(ctx, st.phaseStart, st.opts.phase, "a query served", st.servedSince(st.phaseFrom)); err != nil {
		return err
	}
	st.end()
	return nil
}

// singleUser rotates the password of the one user with the single-user
// rotation function, holding the window between setSecret and
// finishSecret open.
func (st *story) singleUser(ctx context.Context) error {
	st.begin("single-user rotation")
	if err := st.useRotation(rotation.SingleUser); err != nil {
		return err
	}
	version, err := st.rotate(ctx)
	if err != nil {
		return err
	}
	st.log("rotation finished: AWSCURRENT is version %s", short(version))

	finished := st.conn.opened.Load()
	err = st.settle(ctx, st.phaseStart, st.opts.phase, "the cache holding the new version", func() bool {
		return st.cached(ctx) == version && st.conn.opened.Load() > finished
	})
	if err != nil {
		return err
	}
	st.log("the cache holds the new AWSCURRENT")
	st.end()
	return nil
}

// alternatingUsers rotates to the clone user with the alternating-users
// rotation function, which creates the clone with the first user's rights
// and leaves the first user's password as it is.
func (st *story) alternatingUsers(ctx context.Context) error {
	st.begin("alternating users")
	if err := st.useRotation(rotation.AlternatingUsers); err != nil {
		return err
	}
	version, err := st.rotate(ctx)
	if err != nil {
		return err
	}
	st.log("rotation finished: AWSCURRENT is version %s, user %s", short(version), st.facts.clone)
	err = st.settle(ctx, st.phaseStart, st.opts.phase, "a query served as "+st.facts.clone, func() bool {
		return st.wl.servedAs(st.facts.clone) > 0
	})
	if err != nil {
		return err
	}
	st.log("queries served as %s, once the cache's TTL passed", st.facts.clone)
	st.end()
	return nil
}

// cached returns the version ID of AWSCURRENT in the cache, as the
// Connector sees it.
func (st *story) cached(ctx context.Context) string {
	v, err := st.cache.GetVersion(ctx, secretID, rotation.StageCurrent)
	if err != nil {
		return ""
	}
	return v.VersionID
}

// settle waits until at least least has passed since from and cond holds,
// polling; it fails when cond still does not hold settleTimeout later.
func (st *story) settle(ctx context.Context, from time.Time, least time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(least + settleTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for time.Since(from) < least || !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %s after %s", st.phaseName, what, time.Since(from).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// servedSince returns a condition: a query was served since c.
func (st *story) servedSince(c counts) func() bool {
	return func() bool { return st.wl.queries.Load() > c.queries }
}

func (st *story) begin(name string) {
	st.phaseName, st.phaseStart, st.phaseFrom = name, time.Now(), st.snapshot()
	fmt.Fprintf(st.w, "%s\n", name)
}

func (st *story) end() {
	st.facts.phases = append(st.facts.phases, phase{name: st.phaseName, counts: st.snapshot().since(st.phaseFrom)})
}

// log writes a step of the story with the time since the workload started.
// The rotation function logs from its own goroutine.
func (st *story) log(format string, args ...any) {
	st.wmu.Lock()
	defer st.wmu.Unlock()
	fmt.Fprintf(st.w, "  %6.3fs  %s\n", time.Since(st.start).Seconds(), fmt.Sprintf(format, args...))
}

// newPassword returns a random password and remembers it for the test.
func (st *story) newPassword() string {
	pw := rand.Text()
	st.facts.passwords = append(st.facts.passwords, pw)
	return pw
}

func jsonOf(s dbdemo.Secret) string {
	b, _ := json.Marshal(s) // a struct of strings and an int cannot fail
	return string(b)
}

// rememberPasswords adds the passwords of every version of the secret,
// which the rotation function made, to those the output must not show.
func (st *story) rememberPasswords() {
	versions, err := st.srv.VersionStages(secretID)
	if err != nil {
		return
	}
	for id := range versions {
		out, err := st.srv.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
			SecretId: aws.String(secretID), VersionId: aws.String(id)})
		if err != nil {
			continue
		}
		var v dbdemo.Secret
		if json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v) == nil {
			st.facts.passwords = append(st.facts.passwords, v.Password)
		}
	}
}
