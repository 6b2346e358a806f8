package jdbcstyle

import "github.com/secretcache/secretcache-go/internal/dbsecret"

// Problems of a host, from a DSN param or a secret key (see cleanHost).
const (
	problemHostEmpty = dbsecret.ProblemHostEmpty
	problemHostSpace = dbsecret.ProblemHostSpace
	problemHostPort  = dbsecret.ProblemHostPort
	problemHostIPv6  = dbsecret.ProblemHostIPv6
	problemHostChar  = dbsecret.ProblemHostChar
)

// cleanHost checks a host from a DSN or a secret and returns it as the
// drivers want it, as a secret's "host" key is checked: see
// dbsecret.CleanHost.
func cleanHost(v string) (host, problem string) { return dbsecret.CleanHost(v) }

// parsePort reads a port given in a DSN, as a secret's "port" key is read:
// see dbsecret.ParsePort.
func parsePort(digits string) (port int, problem string) { return dbsecret.ParsePort(digits) }
