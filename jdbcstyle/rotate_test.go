package jdbcstyle

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// rotation plays the four steps of AWS's rotation functions on the test's
// secret and database, as the Lambda would, one step per call: createSecret
// puts AWSPENDING, setSecret changes the database, testSecret logs in with
// AWSPENDING directly (not through the relay), finishSecret moves
// AWSCURRENT and, as the service does after the last step, takes AWSPENDING
// off.
type rotation struct {
	e              *env
	token          string // the AWSPENDING version
	from           string // the AWSCURRENT version before
	user, password string // AWSPENDING's credentials
}

// startRotation is createSecret, the first step: single-user keeps the user and draws a
// new password; alternating switches between <user> and <user>_clone, as
// AWS's templates name them.
func (e *env) startRotation(t testing.TB, alternating bool) *rotation {
	t.Helper()
	out, err := e.sm.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(e.id)})
	if err != nil {
		t.Fatalf("GetSecretValue: %v", err)
	}
	var cur struct{ Username string }
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &cur); err != nil {
		t.Fatal(err)
	}
	r := &rotation{e: e, from: aws.ToString(out.VersionId), user: cur.Username, password: randomPassword(t)}
	if alternating {
		if base, ok := strings.CutSuffix(cur.Username, "_clone"); ok {
			r.user = base
		} else {
			r.user = cur.Username + "_clone"
		}
	}
	if r.token, err = e.sm.PutSecretValue(e.id, e.secretJSON(t, r.user, r.password), stagePending); err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	return r
}

// forEachScheme runs test as a parallel subtest for each way startRotation
// rotates: single user, then alternating users.
func forEachScheme(t *testing.T, test func(t *testing.T, alternating bool)) {
	for _, alternating := range []bool{false, true} {
		name := "single user"
		if alternating {
			name = "alternating users"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, alternating)
		})
	}
}

func (r *rotation) setSecret(t testing.TB) { t.Helper(); r.e.db.SetPassword(t, r.user, r.password) }

func (r *rotation) testSecret(t testing.TB) {
	t.Helper()
	db, err := sql.Open(r.e.db.DriverName(), r.e.db.DSN(r.user, r.password))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(testContext(t)); err != nil {
		t.Fatalf("testSecret: %v", err)
	}
}

func (r *rotation) finishSecret(t testing.TB) {
	t.Helper()
	client := r.e.sm.Client()
	ctx := context.Background()
	if _, err := client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(r.e.id), VersionStage: aws.String(stageCurrent),
		MoveToVersionId: aws.String(r.token), RemoveFromVersionId: aws.String(r.from),
	}); err != nil {
		t.Fatalf("finishSecret: %v", err)
	}
	if _, err := client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(r.e.id), VersionStage: aws.String(stagePending), RemoveFromVersionId: aws.String(r.token),
	}); err != nil {
		t.Fatalf("remove AWSPENDING: %v", err)
	}
}

// awaitCurrent waits until the cache holds version as AWSCURRENT: a
// Connector that fell back during the rotation fetches AWSCURRENT again
// within seconds of finishSecret, and its Connects then go back to it.
// Rotations are hours apart in production; a test that starts the next one
// before this would overlap two.
func (e *env) awaitCurrent(t testing.TB, version string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := e.cache.GetVersion(context.Background(), e.id, stageCurrent)
		if err == nil && v.VersionID == version {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache still holds AWSCURRENT %q (%v) 30s after finishSecret, want %q", v.VersionID, err, version)
		}
		time.Sleep(10 * time.Millisecond) // polling the cache, not waiting for state
	}
}

// workload is n goroutines querying as a service does, until the test
// ends; it counts queries and errors.
type workload struct {
	queries, errs atomic.Int64
	mu            sync.Mutex
	firstErr      error           // guarded by mu
	users         map[string]bool // who the queries ran as; guarded by mu
}

// runWorkload starts n goroutines that run query in a loop until the test
// ends. query returns the user the query ran as.
func runWorkload(t *testing.T, n int, query func(ctx context.Context) (string, error)) *workload {
	t.Helper()
	w := &workload{users: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				user, err := query(ctx)
				if ctx.Err() != nil {
					return
				}
				w.queries.Add(1)
				w.mu.Lock()
				if err != nil {
					w.errs.Add(1)
					if w.firstErr == nil {
						w.firstErr = err
					}
				} else {
					w.users[user] = true
				}
				w.mu.Unlock()
			}
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return w
}

// advance waits until the workload has run n more queries, so that every
// step of a rotation is taken under load.
func (w *workload) advance(t *testing.T, n int64) {
	t.Helper()
	target := w.queries.Load() + n
	deadline := time.Now().Add(time.Minute)
	for w.queries.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("the workload ran %d queries in a minute, want %d more", w.queries.Load(), n)
		}
		time.Sleep(5 * time.Millisecond) // polling a counter, not waiting for state
	}
}

// check fails t if a query failed or ran as a user not in want.
func (w *workload) check(t *testing.T, want ...string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := w.errs.Load(); n > 0 {
		t.Errorf("got %d failed queries out of %d, want none; the first: %v", n, w.queries.Load(), w.firstErr)
	}
	for u := range w.users {
		found := false
		for _, x := range want {
			found = found || u == x
		}
		if !found {
			t.Errorf("a query ran as %q, want one of %v", u, want)
		}
	}
}
