package rotation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestProtocolChecksOnTheEmulator runs the Handler, with the Database
// strategy on a real server, against the emulator's own answers to
// DescribeSecret: after createSecret a rotation is cancelled
// (CancelRotateSecret), and every step refuses to run; a token that is not
// a version, or a version without AWSPENDING, is refused; a version that
// is AWSCURRENT already is nothing to do. None of them logs in to the
// database or writes to Secrets Manager.
func TestProtocolChecksOnTheEmulator(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c, oneAttempt)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			first, err := e.rotate()
			if err != nil {
				t.Fatalf("rotation 1: %v", err)
			}
			versions, err := e.sm.VersionStages(e.arn)
			if err != nil {
				t.Fatal(err)
			}
			var previous string
			for id, stages := range versions {
				if len(stages) == 1 && stages[0] == StagePrevious {
					previous = id
				}
			}
			type check struct {
				name  string
				token string
				step  Step
				want  Kind // -1: nothing to do, no error
			}
			run := func(checks ...check) {
				t.Helper()
				for _, ch := range checks {
					before, dials := e.counts(), e.dials.Load()
					err := e.h.Handle(ctx, Event{SecretID: e.arn, ClientRequestToken: ch.token, Step: ch.step})
					if ch.want == -1 && err != nil || ch.want != -1 && kindOf(err) != ch.want {
						t.Errorf("%s, %s: %v, want kind %v", ch.name, ch.step, err, ch.want)
					}
					var re *Error
					if ch.want == NotRotatable && errors.As(err, &re) && re.Step != ch.step {
						t.Errorf("%s, %s: error of step %s", ch.name, ch.step, re.Step)
					}
					if after := e.counts(); after != before || e.dials.Load() != dials {
						t.Errorf("%s, %s: counts %+v -> %+v, want no write and no login", ch.name, ch.step, before, after)
					}
				}
			}
			run(check{"not a version", "3f6e6a5c-0000-4000-8000-000000000000", SetSecret, NotRotatable},
				check{"AWSPREVIOUS", previous, SetSecret, NotRotatable},
				check{"AWSCURRENT", first, SetSecret, -1},
				check{"AWSCURRENT", first, FinishSecret, -1})

			// A rotation stopped after createSecret, then cancelled.
			g := newGate()
			e.setWrap(g.wrap)
			second, err := e.start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			g.next(t, "before createSecret")
			g.resume <- struct{}{}
			g.next(t, "after createSecret")
			if _, err := e.sm.Client().CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(e.arn)}); err != nil {
				t.Fatal(err)
			}
			close(g.resume) // the cancelled run's context ends it
			if err := e.sm.WaitRotation(ctx, e.arn); err == nil {
				t.Fatal("the cancelled rotation succeeded")
			}
			e.setWrap(nil)

			for _, step := range steps {
				run(check{"cancelled", second, step, NotRotatable})
			}
			if got := e.table(); got[:len("✓")] != "✓" {
				t.Errorf("AWSCURRENT no longer logs in: %s", got)
			}
		})
	}
}
