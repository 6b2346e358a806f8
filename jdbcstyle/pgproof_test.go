package jdbcstyle

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"golang.org/x/sync/semaphore"
)

func TestPgProof(t *testing.T) {
	t.Parallel()
	enc := func(msgs ...pgproto3.FrontendMessage) []byte {
		var b []byte
		for _, m := range msgs {
			var err error
			if b, err = m.Encode(b); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	startup := enc(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "app", "database": "db"}})
	initial := enc(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=abc")})
	final := enc(&pgproto3.SASLResponse{Data: []byte("c=biws,r=abcdef,p=proof")})
	password := enc(&pgproto3.PasswordMessage{Password: "md5abcdef"})
	tests := []struct {
		name   string
		writes [][]byte
		want   int // the index of the write that carries the proof, -1 for none
	}{
		{"SCRAM", [][]byte{startup, initial, final}, 2},
		{"MD5 or cleartext", [][]byte{startup, password}, 1},
		{"trust", [][]byte{startup, enc(&pgproto3.Query{String: "SELECT 1"})}, -1},
		{"startup and initial response in one write", [][]byte{append(append([]byte{}, startup...), initial...), final}, 1},
		{"SCRAM-SHA-256-PLUS", [][]byte{startup, enc(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256-PLUS", Data: []byte("p=tls-server-end-point,,n=,r=x")}), final}, 2},
		{"split startup", [][]byte{startup[:3], startup[3:], initial, final}, 0},
		{"split message", [][]byte{startup, initial[:6], initial[6:], final}, 1},
		{"initial response with a wrong length", [][]byte{startup, func() []byte {
			b := append([]byte{}, initial...)
			b[len(b)-len("n,,n=,r=abc")-1]++ // the int32 length of the data
			return b
		}()}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s pgProof
			got := -1
			for i, w := range tt.writes {
				if s.carriesProof(w) {
					got = i
					break
				}
			}
			if got != tt.want {
				t.Errorf("got the proof in write %d, want %d", got, tt.want)
			}
		})
	}
}

// TestGateEndsWithTheLogin: a PostgreSQL login that never wrote a password
// proof (trust authentication asks for none) gets a connection whose later
// writes are not held up when the ladder learns, afterwards, that its
// version was refused elsewhere.
func TestGateEndsWithTheLogin(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go io.Copy(io.Discard, server)
	var lad ladder
	l := &login{deadline: time.Now().Add(time.Minute), gate: semaphore.NewWeighted(1), ladder: &lad, version: "v"}
	conn := gateConn(withLogin(context.Background(), l), client, &pgProof{})
	startup, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "app"}}).Encode(nil)
	if _, err := conn.Write(startup); err != nil {
		t.Fatal(err)
	}
	// The server let the login in without a password; the login is over.
	l.gated.finish()
	lad.refuse("v", authFailure, errors.New("refused"), time.Now())
	query, _ := (&pgproto3.Query{String: "SELECT 1"}).Encode(nil)
	if _, err := conn.Write(query); err != nil {
		t.Errorf("a query on the connection after the login: got %v, want it written", err)
	}
}
