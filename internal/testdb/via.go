package testdb

import (
	"net"
	"strconv"
)

// DSNVia is DSN for a client that reaches the server through host:port, a
// relay or proxy in front of it, instead of the server's own address.
func (s *Server) DSNVia(host string, port int, user, password string) string {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	switch d := s.dialect.(type) {
	case mysqlDialect:
		c := d.config(user, password, databaseName)
		c.Net, c.Addr = "tcp", addr
		return c.FormatDSN()
	case postgresDialect:
		u := d.base
		u.Host = addr
		return postgresDialect{base: u}.dsn(user, password, databaseName)
	}
	panic("testdb: unknown dialect")
}
