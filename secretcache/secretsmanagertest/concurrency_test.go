package secretsmanagertest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// checkLabels reports what breaks Secrets Manager's label rules in a
// DescribeSecret answer: AWSCURRENT on exactly one version, any label on at
// most one.
func checkLabels(stages map[string][]string) error {
	holders := map[string][]string{}
	for id, labels := range stages {
		for _, l := range labels {
			holders[l] = append(holders[l], id)
		}
	}
	if n := len(holders["AWSCURRENT"]); n != 1 {
		return fmt.Errorf("AWSCURRENT on %d versions: %v", n, stages)
	}
	for l, ids := range holders {
		if len(ids) > 1 {
			return fmt.Errorf("label %s on %d versions: %v", l, len(ids), stages)
		}
	}
	return nil
}

// expectedRace reports whether err is an answer the service gives a caller
// that lost a race with another: a rotation not finished, a secret deleted
// meanwhile, a label moved by someone else, a version a configuration test
// removed. Anything else (a 500, a validation error) is a bug.
func expectedRace(err error) bool {
	var (
		invalidRequest *types.InvalidRequestException
		invalidParam   *types.InvalidParameterException
		notFound       *types.ResourceNotFoundException
	)
	return err == nil || errors.As(err, &invalidRequest) || errors.As(err, &invalidParam) || errors.As(err, &notFound)
}

// TestConcurrentOperations runs every kind of write at once on a few
// secrets, rotations included, through the SDK client, and checks after
// each read that the labels obey the service's rules and that no request
// failed in a way a lost race does not explain. Run it with -race.
func TestConcurrentOperations(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	names := []string{"a", "b", "c"}
	for _, n := range names {
		mustCreate(t, srv, n, "0")
		var rec recorder
		if err := srv.SetRotationFunc(n, templateRotation(c, "rotated", &rec, nil)); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg       sync.WaitGroup
		failures atomic.Int64
		rotated  atomic.Int64
	)
	fail := func(format string, args ...any) {
		failures.Add(1)
		t.Errorf(format, args...)
	}
	ops := []func(r *rand.Rand, name string){
		func(r *rand.Rand, name string) { // a new value, with or without stages
			stages := [][]string{nil, {"AWSPENDING"}, {"blue"}, {"AWSCURRENT", "green"}}[r.IntN(4)]
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &name, SecretString: aws.String(strconv.Itoa(r.Int())), VersionStages: stages})
			if !expectedRace(err) {
				fail("PutSecretValue: %v", err)
			}
		},
		func(r *rand.Rand, name string) { // move AWSCURRENT to another version
			d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &name})
			if err != nil {
				fail("DescribeSecret: %v", err)
				return
			}
			var current string
			ids := make([]string, 0, len(d.VersionIdsToStages))
			for id, stages := range d.VersionIdsToStages {
				ids = append(ids, id)
				if slices.Contains(stages, "AWSCURRENT") {
					current = id
				}
			}
			slices.Sort(ids)
			_, err = c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
				SecretId: &name, VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(ids[r.IntN(len(ids))]), RemoveFromVersionId: &current,
			})
			if !expectedRace(err) {
				fail("UpdateSecretVersionStage: %v", err)
			}
		},
		func(r *rand.Rand, name string) { // rotate, or clear a rotation left pending
			_, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: &name, RotateImmediately: aws.Bool(r.IntN(4) != 0)})
			switch {
			case err == nil:
				rotated.Add(1)
			case !expectedRace(err):
				fail("RotateSecret: %v", err)
			default:
				d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &name})
				if err != nil {
					fail("DescribeSecret: %v", err)
					return
				}
				for id, stages := range d.VersionIdsToStages {
					if slices.Contains(stages, "AWSPENDING") && !slices.Contains(stages, "AWSCURRENT") {
						_, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &name, VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: aws.String(id)})
						if !expectedRace(err) {
							fail("UpdateSecretVersionStage AWSPENDING: %v", err)
						}
					}
				}
			}
		},
		func(r *rand.Rand, name string) { // schedule the deletion, then restore
			if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: &name, RecoveryWindowInDays: aws.Int64(7)}); !expectedRace(err) {
				fail("DeleteSecret: %v", err)
			}
			if _, err := c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: &name}); err != nil {
				fail("RestoreSecret: %v", err)
			}
		},
		func(r *rand.Rand, name string) { // read the value and the labels
			if _, err := getString(t, c, name, ""); !expectedRace(err) {
				fail("GetSecretValue: %v", err)
			}
			d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &name})
			if err != nil {
				fail("DescribeSecret: %v", err)
				return
			}
			if err := checkLabels(d.VersionIdsToStages); err != nil {
				fail("%s: %v", name, err)
			}
		},
		func(r *rand.Rand, name string) { // list and batch-read everything
			if _, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)}); err != nil {
				fail("ListSecrets: %v", err)
			}
			if _, err := c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: names}); err != nil {
				fail("BatchGetSecretValue: %v", err)
			}
			if _, err := c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: &name, IncludeDeprecated: aws.Bool(true)}); err != nil {
				fail("ListSecretVersionIds: %v", err)
			}
		},
	}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for range 60 {
				if failures.Load() > 10 {
					return
				}
				ops[r.IntN(len(ops))](r, names[r.IntN(len(names))])
			}
		}()
	}
	wg.Wait()
	for _, n := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := srv.WaitRotation(ctx, n)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: a rotation never ended", n)
		}
		if err := checkLabels(describeStages(t, c, n)); err != nil {
			t.Errorf("%s at the end: %v", n, err)
		}
	}
	if rotated.Load() == 0 {
		t.Error("no RotateSecret was accepted: the test exercised no rotation")
	}
}

// TestCloseDuringTraffic closes a server while rotations block in their
// functions and clients keep sending requests: Close cancels the
// rotations, waits for their functions, and returns; the clients then get
// errors, never a hang.
func TestCloseDuringTraffic(t *testing.T) {
	t.Parallel()
	srv := secretsmanagertest.NewServer()
	c := srv.Client()
	var entered, stopped atomic.Int64
	blocking := func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		entered.Add(1)
		<-ctx.Done()
		stopped.Add(1)
		return ctx.Err()
	}
	for i := range 3 {
		name := fmt.Sprint("db", i)
		mustCreate(t, srv, name, "v")
		if err := srv.SetRotationFunc(name, blocking); err != nil {
			t.Fatal(err)
		}
		rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String(name)})
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("db", i%3)
			for {
				_, err := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: &name})
				var apiErr smithy.APIError
				if err != nil && !errors.As(err, &apiErr) {
					return // the server is gone
				}
			}
		}()
	}
	// RotateSecret answers before the first step runs: Close waits for
	// the functions it interrupts, so they must have started.
	waitFor(t, "the three rotation functions to start", func() bool { return entered.Load() == 3 })
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	if n := stopped.Load(); n != 3 {
		t.Errorf("rotation functions that saw their context end: got %d, want 3", n)
	}
	wg.Wait()
}

// TestResetDuringTraffic resets a seeded server again and again while
// clients create, write and read secrets: every request gets an answer, and
// once the traffic stops a last Reset leaves exactly the seed.
func TestResetDuringTraffic(t *testing.T) {
	t.Parallel()
	seed := secretsmanagertest.SeedSecret{Name: "seeded", SecretString: aws.String("s")}
	srv, c := newServer(t, secretsmanagertest.WithSeed(seed))
	ctx := context.Background()
	var (
		wg    sync.WaitGroup
		stop  atomic.Bool
		iters atomic.Int64 // worker iterations done, so that every Reset meets traffic
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				name := fmt.Sprintf("w%d-%d", w, i%5)
				_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: &name, SecretString: aws.String("v")})
				var exists *types.ResourceExistsException
				if err != nil && !errors.As(err, &exists) {
					t.Errorf("CreateSecret: %v", err)
					return
				}
				if _, err := c.PutSecretValue(ctx, putInput(name, "w")); !expectedRace(err) {
					t.Errorf("PutSecretValue: %v", err)
					return
				}
				if _, err := getString(t, c, "seeded", ""); err != nil && !expectedRace(err) {
					t.Errorf("GetSecretValue: %v", err)
					return
				}
				iters.Add(1)
			}
		}()
	}
	for range 10 {
		before := iters.Load()
		waitFor(t, "requests between two resets", func() bool { return iters.Load() > before+3 || t.Failed() })
		if err := srv.Reset(); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := listNames(t, c, &secretsmanager.ListSecretsInput{}); !slices.Equal(got, []string{"seeded"}) {
		t.Errorf("after the last Reset: got %v, want [seeded]", got)
	}
}
