package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// currentValue returns the AWSCURRENT value of the secret as a map.
func (e *dbEnv) currentValue() map[string]any {
	e.t.Helper()
	return e.valueOf(e.arn)
}

// valueOf returns the AWSCURRENT value of a secret as a map.
func (e *dbEnv) valueOf(secretID string) map[string]any {
	e.t.Helper()
	out, err := e.sm.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		e.t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// TestAlternatingNeverTakesOverTheAdmin gives alternating users a secret
// whose user is the admin's name with _clone appended, an account that
// logs in: the other user of the pair is then the admin of the masterarn
// secret, whose password setSecret would set to one stored in the rotated
// secret, handing the admin account to whoever reads that secret. The
// rotation must refuse it and leave the admin's password alone.
func TestAlternatingNeverTakesOverTheAdmin(t *testing.T) {
	t.Parallel()
	for _, c := range alternatingCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c, oneAttempt)
			cur := e.currentValue()
			master := e.valueOf(cur["masterarn"].(string))
			masterUser, masterPassword := master["username"].(string), master["password"].(string)
			decoy, password := masterUser+cloneSuffix, randomPassword()
			e.srv.CreateUser(t, decoy, password)
			cur["username"], cur["password"] = decoy, password
			if _, err := e.sm.PutSecretValue(e.arn, mustJSON(cur)); err != nil {
				t.Fatal(err)
			}
			_, err := e.rotate()
			var re *Error
			if !errors.As(err, &re) || re.Kind != Mismatch || re.Key != "username" || re.Step != SetSecret {
				t.Fatalf("rotation: %v, want a Mismatch of the username at setSecret", err)
			}
			if !strings.Contains(err.Error(), "masterarn") {
				t.Errorf("error %q does not say the user is the masterarn secret's", err)
			}
			if !e.logsIn(masterUser, masterPassword) {
				t.Error("the admin's password was changed")
			}
		})
	}
}

// TestMasterSecretManagedByRDS names, as masterarn, a secret holding only
// the admin's username and password, as RDS manages them: setSecret says
// which key the masterarn secret lacks and what to do, and sends the
// admin's credentials nowhere.
func TestMasterSecretManagedByRDS(t *testing.T) {
	t.Parallel()
	for _, c := range alternatingCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c, oneAttempt)
			cur := e.currentValue()
			master := e.valueOf(cur["masterarn"].(string))
			managed, err := e.sm.CreateSecret("rds!db-"+e.user, mustJSON(map[string]any{"username": master["username"], "password": master["password"]}))
			if err != nil {
				t.Fatal(err)
			}
			cur["masterarn"] = managed
			if _, err := e.sm.PutSecretValue(e.arn, mustJSON(cur)); err != nil {
				t.Fatal(err)
			}
			before := e.dials.Load()
			_, err = e.rotate()
			var re *Error
			if !errors.As(err, &re) || re.Kind != BadSecretValue || re.Stage != StageMaster || re.Key == "" {
				t.Fatalf("rotation: %v, want a BadSecretValue of a key of the masterarn secret", err)
			}
			for _, want := range []string{`masterarn secret's "` + re.Key + `" key: missing`, "host and port"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if n := e.dials.Load() - before; n != 2 { // AWSPENDING's and AWSCURRENT's logins
				t.Errorf("setSecret opened %d connections, want 2", n)
			}
		})
	}
}
