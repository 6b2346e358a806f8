package rotation

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// everyPunctuation is every punctuation character GetRandomPassword can
// produce, and the space IncludeSpace adds.
const everyPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "

// givenPasswords is a Client whose GetRandomPassword answers the
// passwords of list in turn.
type givenPasswords struct {
	Client
	list []string
	n    atomic.Int64
}

func (g *givenPasswords) GetRandomPassword(context.Context, *secretsmanager.GetRandomPasswordInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	pw := g.list[int(g.n.Add(1)-1)%len(g.list)]
	return &secretsmanager.GetRandomPasswordOutput{RandomPassword: aws.String(pw)}, nil
}

// TestEveryPunctuationAndSpace rotates, back and forth, to passwords made
// of every character GetRandomPassword can produce when nothing is
// excluded and spaces are included, leading and trailing spaces among
// them, and then to the longest password GetRandomPassword makes. Each
// new AWSCURRENT password logs in, and no log record holds a password in
// any JSON spelling.
func TestEveryPunctuationAndSpace(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("aZ9"+everyPunctuation, 4096/(3+len(everyPunctuation))+1)[:4096]
	passwords := []string{
		everyPunctuation + "aZ9",
		" aZ9" + everyPunctuation,
		`\` + everyPunctuation + `'`,
		long,
	}
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c)
			e.configure(func(h *Handler, _ *Database) { h.Client = &givenPasswords{Client: h.Client, list: passwords} })
			for round := 1; round <= len(passwords); round++ {
				if _, err := e.rotate(); err != nil {
					t.Fatalf("rotation %d: %v", round, err)
				}
				user, pw, ok := e.version(StageCurrent)
				if !ok || pw != passwords[round-1] {
					t.Fatalf("rotation %d: AWSCURRENT holds another password than GetRandomPassword's", round)
				}
				if !e.logsIn(user, pw) {
					t.Fatalf("rotation %d: AWSCURRENT's password does not log in as %s", round, user)
				}
				want := wantTables[c.scheme][fmt.Sprint(min(round, 2), " after finishSecret")]
				if got := e.table(); got != want {
					t.Errorf("after rotation %d: %s, want %s", round, got, want)
				}
			}
			e.checkDecodedLog(append(passwords, e.masterPassword))
		})
	}
}

// TestUnicodePassword rotates to a password with multi-byte characters
// and quotes: MySQL takes it as a quoted literal and it logs in;
// PostgreSQL's verifier cannot be computed for it, so setSecret refuses
// it before touching the database and AWSCURRENT keeps working.
func TestUnicodePassword(t *testing.T) {
	t.Parallel()
	pw := `pässwörd_用户'"\` + "`🔑 ok"
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c, oneAttempt)
			e.configure(func(h *Handler, _ *Database) { h.Client = &givenPasswords{Client: h.Client, list: []string{pw}} })
			curUser, curPw, _ := e.version(StageCurrent)
			_, err := e.rotate()
			if strings.HasPrefix(c.name, "postgres") {
				if kindOf(err) != BadSecretValue {
					t.Fatalf("rotation: %v, want a BadSecretValue error", err)
				}
				if !e.logsIn(curUser, curPw) {
					t.Error("AWSCURRENT no longer logs in after the refused setSecret")
				}
				if strings.Contains(err.Error(), pw) {
					t.Error("the error shows the password")
				}
			} else {
				if err != nil {
					t.Fatalf("rotation: %v", err)
				}
				user, got, _ := e.version(StageCurrent)
				if got != pw || !e.logsIn(user, got) {
					t.Error("AWSCURRENT's unicode password does not log in")
				}
			}
			e.checkDecodedLog([]string{pw, curPw, e.masterPassword})
		})
	}
}

// checkDecodedLog fails the test if any string in the JSON log records,
// decoded, holds one of secrets: a password with a quote or a backslash
// is escaped in the raw log, where checkLog would not see it.
func (e *dbEnv) checkDecodedLog(secrets []string) {
	e.t.Helper()
	sc := bufio.NewScanner(strings.NewReader(e.log.String()))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			e.t.Fatalf("log record not JSON: %v", err)
		}
		for k, v := range rec {
			s, ok := v.(string)
			if !ok {
				continue
			}
			for _, secret := range secrets {
				if secret != "" && strings.Contains(s, secret) {
					e.t.Errorf("log record %q, attribute %s, shows a password", rec["msg"], k)
				}
			}
		}
	}
}

// TestTLSVerifiesTheHostName rotates a secret whose host is a name the
// server's certificate does not hold, reached through Dial: with the CA
// that signed the certificate, the host name is verified too and the
// rotation stops at setSecret's first login with a TLS error; without a CA
// (require) the connection is encrypted but not verified and the rotation
// completes.
func TestTLSVerifiesTheHostName(t *testing.T) {
	t.Parallel()
	const host = "db.example.test"
	for _, c := range tlsCases() {
		for _, mode := range []string{"CA", "verify-full", "require"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				e := newDBEnv(t, c, oneAttempt, withKeys(map[string]any{"host": host}))
				real := net.JoinHostPort(e.srv.Host, strconv.Itoa(e.srv.Port))
				e.configure(func(_ *Handler, d *Database) {
					switch mode {
					case "verify-full":
						d.TLS = TLS{Mode: TLSVerifyFull, RootCAs: e.srv.RootCAs()}
					case "require":
						d.TLS = TLS{}
					}
					d.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
						if h, _, _ := net.SplitHostPort(address); h != host {
							return nil, fmt.Errorf("dial %s: not the secret's host", address)
						}
						return e.dial(ctx, network, real)
					}
				})
				_, err := e.rotate()
				if mode == "require" {
					if err != nil {
						t.Fatalf("rotation: %v", err)
					}
					return
				}
				if kindOf(err) != TLSFailed || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("rotation: %v, want a TLS error about the certificate", err)
				}
				if got := e.table(); got != "✓ ✗ –" {
					t.Errorf("after the failed rotation: %s, want ✓ ✗ –", got)
				}
			})
		}
	}
}
