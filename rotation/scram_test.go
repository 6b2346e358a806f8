package rotation

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// TestScramVerifierMatchesPostgres has PostgreSQL hash passwords itself and
// checks that scramVerifier, given the same salt and iterations, computes
// the same verifier.
func TestScramVerifierMatchesPostgres(t *testing.T) {
	t.Parallel()
	srv := testdb.Postgres(t)
	admin := srv.AdminDB(t)
	user := testdb.UniqueName("scram")
	srv.CreateUser(t, user, "x")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, pw := range []string{"pencil", `a b~!'"\$:`, strings.Repeat("z", 100)} {
		srv.SetPassword(t, user, pw)
		var stored string
		if err := admin.QueryRowContext(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", user).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
		head, _, _ := strings.Cut(strings.TrimPrefix(stored, "SCRAM-SHA-256$"), "$")
		iter, salt64, _ := strings.Cut(head, ":")
		iterations, err := strconv.Atoi(iter)
		if err != nil {
			t.Fatalf("server verifier %q: %v", stored, err)
		}
		salt, err := base64.StdEncoding.DecodeString(salt64)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := scramVerifierWith(pw, salt, iterations); err != nil || got != stored {
			t.Errorf("verifier of %q = %s, %v; PostgreSQL stores %s", pw, got, err, stored)
		}
	}
}

func TestScramVerifierRefusesWhatSASLprepChanges(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{"tab\there", "naïve", "\x7f"} {
		if _, err := scramVerifier(pw); !errors.Is(err, errNotPrintable) {
			t.Errorf("scramVerifier(%q) = %v, want errNotPrintable", pw, err)
		}
	}
	v, err := scramVerifier(`a b~!'"\`)
	if err != nil || !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") || strings.ContainsAny(v, `'\`) {
		t.Errorf("scramVerifier = %q, %v; want a verifier with no quote or backslash", v, err)
	}
}
