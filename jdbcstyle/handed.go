package jdbcstyle

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// handedConn is a PostgreSQL connection that a Connector's login already
// authenticated, handed to pgx as a fresh one (see NewPgxPoolConfig). It
// swallows the startup message pgx writes first and answers it with what
// the server said to the real login; from then on it is the real
// connection.
type handedConn struct {
	net.Conn

	mu      sync.Mutex    // guards startup, reply and err
	startup []byte        // what pgx wrote of its startup message so far
	reply   []byte        // the answer, read by pgx after started is closed
	err     error         // a malformed startup message
	started chan struct{} // closed once the startup message is complete

	done atomic.Bool // the reply was read to its end
}

func newHandedConn(hc *pgconn.HijackedConn) *handedConn {
	reply, _ := (&pgproto3.AuthenticationOk{}).Encode(nil)
	for name, value := range hc.ParameterStatuses {
		reply, _ = (&pgproto3.ParameterStatus{Name: name, Value: value}).Encode(reply)
	}
	reply, _ = (&pgproto3.BackendKeyData{ProcessID: hc.PID, SecretKey: hc.SecretKey}).Encode(reply)
	reply, _ = (&pgproto3.ReadyForQuery{TxStatus: hc.TxStatus}).Encode(reply)
	return &handedConn{Conn: hc.Conn, reply: reply, started: make(chan struct{})}
}

var errStartup = errors.New("jdbcstyle: pgxpool: pgx sent an unexpected startup message")

func (c *handedConn) Write(p []byte) (int, error) {
	select {
	case <-c.started:
		return c.Conn.Write(p)
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startup = append(c.startup, p...)
	if len(c.startup) < 8 {
		return len(p), nil
	}
	n := int(binary.BigEndian.Uint32(c.startup))
	if len(c.startup) < n {
		return len(p), nil
	}
	if n < 8 || binary.BigEndian.Uint32(c.startup[4:]) != pgproto3.ProtocolVersionNumber || len(c.startup) > n {
		c.err = errStartup
	}
	c.startup = nil
	close(c.started)
	return len(p), c.err
}

func (c *handedConn) Read(p []byte) (int, error) {
	if !c.done.Load() {
		<-c.started
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.err != nil {
			return 0, c.err
		}
		n := copy(p, c.reply)
		c.reply = c.reply[n:]
		c.done.Store(len(c.reply) == 0)
		return n, nil
	}
	return c.Conn.Read(p)
}
