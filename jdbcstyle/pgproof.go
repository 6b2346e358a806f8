package jdbcstyle

import (
	"bytes"
	"encoding/binary"
)

// pgProof tells which of the frontend's writes during a PostgreSQL login
// carries the password proof, so that the login gate is taken for that
// message only (see gate.go): a PasswordMessage (cleartext or MD5), or the
// SCRAM SASLResponse with the client's proof. The startup message and the
// SASLInitialResponse carry none: the server refuses nothing before the
// proof, and a login abandoned before it leaves no failed authentication
// behind.
//
// Every write is scanned as whole messages; one that cannot be read (a
// message split across writes, which pgx does not do) counts as carrying
// the proof, so the gate is never skipped.
type pgProof struct {
	started bool // the startup message was written
}

func (s *pgProof) carriesProof(p []byte) bool {
	for len(p) > 0 {
		if !s.started {
			// The startup message: int32 length, itself included, no type.
			if len(p) < 4 {
				return true
			}
			n := int(binary.BigEndian.Uint32(p))
			if n < 4 || n > len(p) {
				return true
			}
			s.started, p = true, p[n:]
			continue
		}
		// A typed message: type byte, int32 length (itself included), body.
		if len(p) < 5 {
			return true
		}
		n := int(binary.BigEndian.Uint32(p[1:]))
		if n < 4 || 1+n > len(p) {
			return true
		}
		if p[0] == 'p' && !isSASLInitialResponse(p[5:1+n]) {
			return true
		}
		p = p[1+n:]
	}
	return false
}

// isSASLInitialResponse reports whether the body of a 'p' message is a
// SCRAM SASLInitialResponse: the mechanism's name, NUL, then an int32
// length and exactly that many bytes (the client-first message).
func isSASLInitialResponse(body []byte) bool {
	name, rest, ok := bytes.Cut(body, []byte{0})
	if !ok || !bytes.HasPrefix(name, []byte("SCRAM-SHA-256")) || len(rest) < 4 {
		return false
	}
	n := int32(binary.BigEndian.Uint32(rest))
	return n == -1 && len(rest) == 4 || n >= 0 && int(n) == len(rest)-4
}
