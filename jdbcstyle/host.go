package jdbcstyle

import (
	"net"
	"strings"
)

// Problems of a host, from a DSN param or a secret key.
const (
	problemHostEmpty = "empty"
	problemHostSpace = "has white space or control characters"
	problemHostPort  = "holds a port (host:port): give the port on its own"
	problemHostIPv6  = "has brackets around something other than an IPv6 address"
)

// cleanHost checks a host from a DSN or a secret and returns it as the
// drivers want it: a name, an IP address without brackets, or a Unix socket
// path. It accepts the bracketed IPv6 form people copy from URLs ("[::1]"),
// whose brackets the driver configs add back where their address syntax
// needs them, and refuses a port ("db:3306", "[::1]:5432"), white space and
// control characters: a driver would either fail with an address error that
// does not say where the address came from, or dial somewhere else.
func cleanHost(v string) (host, problem string) {
	switch {
	case v == "":
		return "", problemHostEmpty
	case strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "", problemHostSpace
	case strings.HasPrefix(v, "/"):
		return v, "" // a Unix socket path may hold anything else
	case strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]"):
		if ip := net.ParseIP(v[1 : len(v)-1]); ip == nil || ip.To4() != nil {
			return "", problemHostIPv6
		}
		return v[1 : len(v)-1], ""
	case strings.HasPrefix(v, "["):
		return "", problemHostPort // [::1]:5432
	case strings.ContainsAny(v, "[]"):
		return "", problemHostIPv6
	case strings.Contains(v, ":") && net.ParseIP(v) == nil:
		return "", problemHostPort // a bare IPv6 address parses
	}
	return v, ""
}
