package dbsecret

import (
	"net"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problems of a host, from a DSN param or a secret key, for CleanHost.
const (
	ProblemHostEmpty = "empty"
	ProblemHostSpace = "has white space or control characters"
	ProblemHostPort  = "holds a port (host:port): give the port on its own"
	ProblemHostIPv6  = "has brackets around something other than an IPv6 address"
	ProblemHostChar  = `has a character that separates URL parts or hosts (, / @ ? # \)`
)

// CleanHost checks a host from a DSN or a secret and returns it as the
// drivers want it: a name, an IP address without brackets, or a Unix socket
// path. It accepts the bracketed IPv6 form people copy from URLs ("[::1]"),
// whose brackets the driver configs add back where their address syntax
// needs them, and refuses a port ("db:3306", "[::1]:5432"), white space,
// control and invisible formatting characters (a no-break space or a byte
// order mark pasted with the name), text that is not UTF-8, and the
// characters that separate a URL's parts or a list of hosts (pgx reads
// "db1,db2" as two hosts and would try the second): a driver would either
// fail with an address error that does not say where the address came
// from, or dial somewhere else.
func CleanHost(v string) (host, problem string) {
	switch {
	case v == "":
		return "", ProblemHostEmpty
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}):
		return "", ProblemHostSpace
	case strings.HasPrefix(v, "/"):
		return v, "" // a Unix socket path may hold anything else
	case strings.ContainsAny(v, ",/@?#\\"):
		return "", ProblemHostChar
	case strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]"):
		if ip := net.ParseIP(v[1 : len(v)-1]); ip == nil || ip.To4() != nil {
			return "", ProblemHostIPv6
		}
		return v[1 : len(v)-1], ""
	case strings.HasPrefix(v, "["):
		return "", ProblemHostPort // [::1]:5432
	case strings.ContainsAny(v, "[]"):
		return "", ProblemHostIPv6
	case strings.Contains(v, ":") && net.ParseIP(v) == nil:
		return "", ProblemHostPort // a bare IPv6 address parses
	}
	return v, ""
}
