package loginrelay

import (
	"encoding/binary"
	"io"
	"net"
)

// Codes of the PostgreSQL requests that precede a startup message.
const (
	pgSSLRequest    = 80877103
	pgGSSENCRequest = 80877104
)

// negotiatePostgres relays the client's first messages until its startup
// message: an SSLRequest or GSSENCRequest is answered by the server with one
// unframed byte, which the parser must not see. It reports whether the
// connection switched to TLS (or GSSAPI encryption).
func (r *Relay) negotiatePostgres(client, server net.Conn) (encrypted bool, err error) {
	for {
		var head [8]byte
		if _, err := io.ReadFull(client, head[:]); err != nil {
			return false, err
		}
		if _, err := server.Write(head[:]); err != nil {
			return false, err
		}
		code := binary.BigEndian.Uint32(head[4:])
		if binary.BigEndian.Uint32(head[:4]) != 8 || (code != pgSSLRequest && code != pgGSSENCRequest) {
			return false, nil // a startup message (or a cancel request): its rest is copied as is
		}
		var answer [1]byte
		if _, err := io.ReadFull(server, answer[:]); err != nil {
			return false, err
		}
		if _, err := client.Write(answer[:]); err != nil {
			return false, err
		}
		if answer[0] == 'S' || answer[0] == 'G' {
			return true, nil
		}
	}
}

// postgresParser reads PostgreSQL backend messages (type byte, 4-byte
// big-endian length including itself, body) until the login's verdict.
type postgresParser struct {
	r   *Relay
	buf []byte
}

func (p *postgresParser) feed(b []byte) bool {
	p.buf = append(p.buf, b...)
	for len(p.buf) >= 5 {
		n := int(binary.BigEndian.Uint32(p.buf[1:5]))
		if n < 4 || len(p.buf) < 1+n {
			return false
		}
		typ, body := p.buf[0], p.buf[5:1+n]
		p.buf = p.buf[1+n:]
		switch typ {
		case 'E':
			p.r.record(false, sqlstate(body))
			return true
		case 'Z': // ReadyForQuery: the session is open
			p.r.record(true, "")
			return true
		}
	}
	return false
}

// sqlstate returns the 'C' field of an ErrorResponse body: a sequence of
// (field type byte, NUL-terminated string), ended by a zero byte.
func sqlstate(body []byte) string {
	for len(body) > 1 {
		typ := body[0]
		end := 1
		for end < len(body) && body[end] != 0 {
			end++
		}
		if typ == 'C' {
			return string(body[1:end])
		}
		body = body[min(end+1, len(body)):]
	}
	return "E"
}
