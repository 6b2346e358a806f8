package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const (
	demoSecretID = "demo/db"
	demoUsername = "app_user"

	// demoTTL is short so that the outage chapter can let a TTL pass in
	// under a second; a service would keep the default hour or use minutes.
	// The reads of the first chapter end long before its lower bound, TTL/2.
	demoTTL = time.Second

	// The retry and Refresh intervals are shortened for the same reason.
	// Refresh's default rate limit of 1 s would make the Refresh of the
	// outage chapter wait a second for its turn.
	demoRetryBase  = 200 * time.Millisecond
	demoRetryMax   = time.Second
	demoMinRefresh = 100 * time.Millisecond

	getSecretValue = "GetSecretValue"
)

// storyFacts is what the embedded story observed, for its test to check.
type storyFacts struct {
	values []string // every value stored in the secret; none may be printed

	readCalls int // GetSecretValue calls that the reads of chapter 2 cost

	versionLoaded  string // the version the reads were served
	versionRotated string // the version the rotation made AWSCURRENT
	versionStale   string // what the cache served right after the rotation
	versionFresh   string // what it served after Refresh

	outageErr   error  // Refresh's error during the outage
	staleServed uint64 // reads answered with an expired value during the outage
	outageReads int    // reads during the outage, each of which got the last good value

	versionRecovered string // what the cache served after the outage
	stats            secretcache.Stats
}

// embeddedStory runs the quickstart against an in-process Secrets Manager and
// tells what happens on w.
func embeddedStory(ctx context.Context, w io.Writer, opts options) (storyFacts, error) {
	var facts storyFacts
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	fmt.Fprintf(w, "secretcache quickstart: embedded Secrets Manager at %s (no AWS account needed)\n", srv.URL)

	// 1. A database secret, as AWS's rotation templates store one.
	first := demoSecret()
	facts.values = append(facts.values, first)
	arn, err := srv.CreateSecret(demoSecretID, first)
	if err != nil {
		return facts, err
	}
	fmt.Fprintf(w, "\n1. Store a secret\n   %s  %s\n", demoSecretID, arn)

	cache, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = srv.Client()
		c.CacheItemTTL = int64(demoTTL)
		c.RetryBaseDelay = demoRetryBase
		c.RetryMaxDelay = demoRetryMax
		c.MinRefreshInterval = demoMinRefresh
	})
	if err != nil {
		return facts, err
	}
	defer cache.Close()

	st := &story{w: w, srv: srv, cache: cache, opts: opts, facts: facts}
	for _, chapter := range []func(context.Context) error{st.reads, st.rotation, st.outage} {
		if err := chapter(ctx); err != nil {
			return st.facts, err
		}
	}

	st.facts.stats = cache.Stats()
	s := st.facts.stats
	fmt.Fprintf(w, "\n5. cache.Stats()\n   hits %d, misses %d, loads %d, load errors %d, background refreshes %d, stale served %d, evictions %d\n",
		s.Hits, s.Misses, s.Loads, s.LoadErrors, s.Refreshes, s.StaleServed, s.Evictions)
	fmt.Fprintf(w, "   GetSecretValue requests the server received in all: %d\n", srv.Calls(getSecretValue))
	return st.facts, nil
}

// story is the state the chapters of the embedded story share.
type story struct {
	w     io.Writer
	srv   *secretsmanagertest.Server
	cache *secretcache.Cache
	opts  options
	facts storyFacts
}

// reads reads the secret many times from a cold cache.
func (st *story) reads(ctx context.Context) error {
	w, srv, cache, opts, facts := st.w, st.srv, st.cache, st.opts, &st.facts
	want := facts.values[0]
	elapsed, err := readMany(ctx, opts.reads, opts.goroutines, func(ctx context.Context) error {
		v, err := cache.GetSecretStringWithContext(ctx, demoSecretID)
		if err == nil && v != want {
			err = errors.New("a read returned a value other than the one stored")
		}
		return err
	})
	if err != nil {
		return err
	}
	facts.readCalls = srv.Calls(getSecretValue)
	v, err := describe(ctx, cache)
	if err != nil {
		return err
	}
	facts.versionLoaded = v.id
	fmt.Fprintf(w, "\n2. Read it through the cache, %d goroutines starting on a cold cache\n", opts.goroutines)
	fmt.Fprintf(w, "   reads served:          %d\n", opts.reads)
	fmt.Fprintf(w, "   GetSecretValue calls:  %d\n", facts.readCalls)
	fmt.Fprintf(w, "   mean time per read:    %.1f ns (%v wall time for all of them, %d CPUs)\n",
		nsPerRead(elapsed, opts.reads), elapsed.Round(time.Microsecond), runtime.NumCPU())
	fmt.Fprintf(w, "   cached:                %s\n", v)
	return nil
}

// rotation rotates the secret and shows Refresh picking it up.
func (st *story) rotation(ctx context.Context) error {
	w, srv, cache, facts := st.w, st.srv, st.cache, &st.facts
	second := demoSecret()
	facts.values = append(facts.values, second)
	rotated, err := srv.Rotate(ctx, demoSecretID, second)
	if err != nil {
		return err
	}
	facts.versionRotated = rotated
	fmt.Fprintf(w, "\n3. Rotate the secret: AWSCURRENT moves to version %s\n", rotated)

	stale, err := describe(ctx, cache)
	if err != nil {
		return err
	}
	facts.versionStale = stale.id
	fmt.Fprintf(w, "   before Refresh the cache serves %s  (old: its TTL has not passed)\n", stale)

	if _, err := cache.Refresh(ctx, demoSecretID, ""); err != nil {
		return err
	}
	fresh, err := describe(ctx, cache)
	if err != nil {
		return err
	}
	facts.versionFresh = fresh.id
	fmt.Fprintf(w, "   after Refresh the cache serves  %s\n", fresh)
	fmt.Fprintf(w, "   GetSecretValue calls so far: %d\n", srv.Calls(getSecretValue))
	return nil
}

// outage fails every GetSecretValue call and shows the cache serving the
// last good value through it, then recovering once the fault clears.
func (st *story) outage(ctx context.Context) error {
	w, srv, cache, facts := st.w, st.srv, st.cache, &st.facts
	want := facts.values[len(facts.values)-1]
	read := func() error {
		v, err := cache.GetSecretStringWithContext(ctx, demoSecretID)
		if err == nil && v != want {
			err = errors.New("a read during the outage returned a value other than the last good one")
		}
		facts.outageReads++
		return err
	}

	srv.InjectFault(getSecretValue, secretsmanagertest.Fault{Kind: secretsmanagertest.InternalError})
	fmt.Fprintf(w, "\n4. Outage: every GetSecretValue call now fails with 500 InternalServiceError\n")

	// Keep reading, as a service would, until the TTL passes and the
	// background refresh it triggers fails.
	before := cache.Stats()
	t0 := time.Now()
	failed := func(s secretcache.Stats) bool { return s.LoadErrors > before.LoadErrors }
	if err := readUntil(ctx, 2*demoTTL, read, cache, failed); err != nil {
		return fmt.Errorf("waiting for the TTL to pass: %w", err)
	}
	after := cache.Stats()
	facts.staleServed = after.StaleServed - before.StaleServed
	fmt.Fprintf(w, "   TTL passed after %v: %d read(s) got the expired value at once while its background refresh failed\n",
		time.Since(t0).Round(10*time.Millisecond), facts.staleServed)

	_, facts.outageErr = cache.Refresh(ctx, demoSecretID, "")
	if facts.outageErr == nil {
		return errors.New("Refresh succeeded during the outage")
	}
	fmt.Fprintf(w, "   Refresh reports: %v\n", facts.outageErr)
	if err := read(); err != nil {
		return err
	}
	v, err := describe(ctx, cache)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   reads still get the last good value: %s\n", v)
	fmt.Fprintf(w, "   %d reads during the outage, none failed\n", facts.outageReads)

	srv.ClearFaults()
	t0 = time.Now()
	recovered := func(s secretcache.Stats) bool { return s.Loads-s.LoadErrors > after.Loads-after.LoadErrors }
	if err := readUntil(ctx, 2*demoRetryMax, read, cache, recovered); err != nil {
		return fmt.Errorf("waiting for the cache to recover: %w", err)
	}
	v, err = describe(ctx, cache)
	if err != nil {
		return err
	}
	facts.versionRecovered = v.id
	fmt.Fprintf(w, "   fault cleared: the cache's own retry succeeded %v later, serving %s\n",
		time.Since(t0).Round(10*time.Millisecond), v)
	return nil
}

// readUntil reads every few milliseconds until done holds for the cache's
// stats, a read fails, or limit passes.
func readUntil(ctx context.Context, limit time.Duration, read func() error, cache *secretcache.Cache, done func(secretcache.Stats) bool) error {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !done(cache.Stats()) {
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing happened within %v", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if err := read(); err != nil {
			return err
		}
	}
	return nil
}

// demoSecret returns a database secret with a fresh random password.
func demoSecret() string {
	b, err := json.Marshal(map[string]any{
		"engine":   "postgres",
		"host":     "db.internal.example",
		"port":     5432,
		"dbname":   "app",
		"username": demoUsername,
		"password": rand.Text(),
	})
	if err != nil {
		panic(err) // a map of strings and an int always marshals
	}
	return string(b)
}

// cachedVersion is what the story prints about the cached version: never
// the value, only its length, a hash prefix and the username.
type cachedVersion struct {
	id       string
	length   int
	hash     string
	username string
}

func (v cachedVersion) String() string {
	return fmt.Sprintf("version %s  sha256 %s…  %d bytes  username %s", v.id, v.hash, v.length, v.username)
}

// describe reads what the cache serves for the demo secret.
func describe(ctx context.Context, cache *secretcache.Cache) (cachedVersion, error) {
	meta, err := cache.GetVersion(ctx, demoSecretID, "")
	if err != nil {
		return cachedVersion{}, err
	}
	s, err := cache.GetSecretStringWithContext(ctx, demoSecretID)
	if err != nil {
		return cachedVersion{}, err
	}
	var db struct {
		Username string `json:"username"`
	}
	if err := cache.GetSecretJSON(ctx, demoSecretID, &db); err != nil {
		return cachedVersion{}, err
	}
	sum := sha256.Sum256([]byte(s))
	return cachedVersion{id: meta.VersionID, length: len(s), hash: hex.EncodeToString(sum[:4]), username: db.Username}, nil
}
