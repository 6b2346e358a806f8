package rotation

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"sync"
)

// dial opens the strategy's connections, counting them, and wraps them:
// a statement containing *e.breakOn kills the connection instead of
// reaching the server; a MySQL or PostgreSQL statement containing
// *e.quoteOn does not reach the server either, and is answered with the
// syntax error the server gives, which quotes the statement from the point
// where parsing failed.
func (e *dbEnv) dial(ctx context.Context, network, address string) (net.Conn, error) {
	e.dials.Add(1)
	var d net.Dialer
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &breakingConn{Conn: c, e: e}, nil
}

type breakingConn struct {
	net.Conn
	e *dbEnv

	mu    sync.Mutex
	reply []byte // guarded by mu: read before the server's bytes
}

var errBroken = errors.New("connection broken by the test")

func (c *breakingConn) Write(p []byte) (int, error) {
	if s := c.e.breakOn.Load(); s != nil && bytes.Contains(p, []byte(*s)) {
		c.Conn.Close()
		return 0, errBroken
	}
	// A COM_QUERY packet: 3 bytes of length, a sequence number, 0x03, the
	// statement.
	if s := c.e.quoteOn.Load(); s != nil && len(p) > 5 && p[4] == 0x03 && bytes.Contains(p[5:], []byte(*s)) {
		stmt := p[5:]
		near := stmt[bytes.Index(stmt, []byte(*s)):]
		if len(near) > 80 {
			near = near[:80] // as MySQL's ER_PARSE_ERROR, '%-.80s'
		}
		c.mu.Lock()
		c.reply = mysqlErrPacket(p[3]+1, 1064, "42000",
			"You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '"+string(near)+"' at line 1")
		c.mu.Unlock()
		return len(p), nil
	}
	// A PostgreSQL simple Query message: 'Q', 4 bytes of length, the
	// statement and a NUL.
	if s := c.e.quoteOn.Load(); s != nil && len(p) > 5 && p[0] == 'Q' && bytes.Contains(p[5:], []byte(*s)) {
		stmt := bytes.TrimRight(p[5:], "\x00")
		c.mu.Lock()
		c.reply = pgErrorResponse("42601", `syntax error at or near "`+string(stmt[bytes.Index(stmt, []byte(*s)):])+`"`)
		c.mu.Unlock()
		return len(p), nil
	}
	if s := c.e.lostOn.Load(); s != nil && bytes.Contains(p, []byte(*s)) {
		n, err := c.Conn.Write(p)
		c.Conn.Close() // after the bytes: the server reads them before the end of the stream
		if err == nil {
			err = errBroken
		}
		return n, err
	}
	return c.Conn.Write(p)
}

// pgErrorResponse is an ErrorResponse of the PostgreSQL protocol, then
// ReadyForQuery.
func pgErrorResponse(code, msg string) []byte {
	var fields []byte
	for _, f := range []struct {
		t byte
		v string
	}{{'S', "ERROR"}, {'V', "ERROR"}, {'C', code}, {'M', msg}} {
		fields = append(append(append(fields, f.t), f.v...), 0)
	}
	fields = append(fields, 0)
	out := append([]byte{'E'}, binary.BigEndian.AppendUint32(nil, uint32(4+len(fields)))...)
	out = append(out, fields...)
	return append(out, 'Z', 0, 0, 0, 5, 'I')
}

func (c *breakingConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.reply) > 0 {
		n := copy(p, c.reply)
		c.reply = c.reply[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

// mysqlErrPacket is an ERR packet of the MySQL protocol.
func mysqlErrPacket(seq byte, code uint16, state, msg string) []byte {
	body := []byte{0xff}
	body = binary.LittleEndian.AppendUint16(body, code)
	body = append(body, '#')
	body = append(body, state...)
	body = append(body, msg...)
	head := []byte{byte(len(body)), byte(len(body) >> 8), byte(len(body) >> 16), seq}
	return append(head, body...)
}
