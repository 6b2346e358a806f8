package rotation

import (
	"context"
	"testing"
)

// TestSetSecretAnswerLost lets the statement that sets the new password
// reach the server and loses its answer, as when a Lambda function is
// stopped right after sending it: setSecret fails, not knowing whether
// the password changed. The service's retry of the same rotation finds
// AWSPENDING logging in, or sets it, and completes the rotation.
func TestSetSecretAnswerLost(t *testing.T) {
	t.Parallel()
	lostOn := map[string]string{
		"mysql/single-user":          "SET PASSWORD",
		"mysql/alternating-users":    "IDENTIFIED BY '", // CREATE USER: the clone exists, without grants
		"postgres/single-user":       "ALTER ROLE",
		"postgres/alternating-users": "commit",
	}
	for _, c := range dbCases {
		for _, before := range []int{0, 1} { // alternating users: create the clone, then set its password
			if before == 1 && c.scheme == SingleUser {
				continue
			}
			t.Run(c.name+"/"+map[int]string{0: "first rotation", 1: "second rotation"}[before], func(t *testing.T) {
				t.Parallel()
				e := newDBEnv(t, c, oneAttempt)
				for range before {
					if _, err := e.rotate(); err != nil {
						t.Fatal(err)
					}
				}
				stmt := lostOn[c.name]
				if before == 1 && c.name == "mysql/alternating-users" {
					stmt = "ALTER USER" // the clone's password, on an existing user
				}
				e.lostOn.Store(&stmt)
				token, err := e.rotate()
				if kindOf(err) != DatabaseFailed {
					t.Fatalf("rotation: %v, want a database error at setSecret", err)
				}
				e.lostOn.Store(nil)
				// The lost statement's session may still be running it, and
				// PostgreSQL fails a concurrent ALTER ROLE of the same role
				// ("tuple concurrently updated"): a retry comes later.
				who := map[Scheme]string{SingleUser: e.user, AlternatingUsers: e.master}[c.scheme]
				e.srv.KillSessions(t, who)
				for _, step := range steps {
					ev := Event{SecretID: e.arn, ClientRequestToken: token, Step: step}
					if err := e.h.Handle(context.Background(), ev); err != nil {
						t.Fatalf("%s of the retry: %v", step, err)
					}
				}
				if got, want := e.table(), wantTables[c.scheme][map[int]string{0: "1", 1: "2"}[before]+" after finishSecret"]; got != want {
					t.Errorf("after the retry: %s, want %s", got, want)
				}
				if c.scheme == AlternatingUsers {
					e.checkClone()
				}
			})
		}
	}
}
