package rotation

import (
	"bytes"
	"context"
	"errors"
	"net"
)

// dial opens the strategy's connections, counting them, and wraps them so
// that a statement containing *e.breakOn kills the connection instead of
// reaching the server.
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
}

var errBroken = errors.New("connection broken by the test")

func (c *breakingConn) Write(p []byte) (int, error) {
	if s := c.e.breakOn.Load(); s != nil && bytes.Contains(p, []byte(*s)) {
		c.Conn.Close()
		return 0, errBroken
	}
	return c.Conn.Write(p)
}
