package jdbcstyle

import "sync/atomic"

// Stats are the counters of a Connector (Connector.Stats), or of every
// Connector that the registered drivers made (DriverStats), for a service
// to export. Logins are counted when credentials were sent to the
// database; a login abandoned before it sent them is not.
type Stats struct {
	// Logins is the number of logins made.
	Logins uint64
	// Refused is the number of logins the database refused for their
	// credentials (MySQL/MariaDB 1045 or 1698, PostgreSQL 28P01 or a 28000
	// that is not an account refusal).
	Refused uint64
	// Denied is the number of logins the database refused for the
	// account: locked (MySQL/MariaDB ACCOUNT LOCK, or too many failed
	// logins), not permitted to log in (PostgreSQL NOLOGIN), or rejected
	// by a host rule (pg_hba.conf).
	Denied uint64
	// PendingLogins is the number of logins made with AWSPENDING, during a
	// single-user rotation.
	PendingLogins uint64
	// PreviousLogins is the number of logins made with AWSPREVIOUS, during
	// an alternating-users rotation.
	PreviousLogins uint64
	// Recoveries is the number of recoveries run after AWSCURRENT was
	// refused, each shared by the Connects refused with the same version.
	Recoveries uint64
	// Withheld is the number of Connects that failed without sending
	// credentials, because the database had refused them and neither the
	// secret had changed nor their backoff passed.
	Withheld uint64
}

// FallbackLogins returns the number of logins made with a version other
// than AWSCURRENT: PendingLogins plus PreviousLogins. Each is also logged
// at WARN level through the cache's Logger.
func (s Stats) FallbackLogins() uint64 { return s.PendingLogins + s.PreviousLogins }

// stat names a counter of Stats.
type stat int

const (
	statLogins stat = iota
	statRefused
	statDenied
	statPendingLogins
	statPreviousLogins
	statRecoveries
	statWithheld
	numStats
)

// counters are the atomic counters behind Stats.
type counters [numStats]atomic.Uint64

func (c *counters) snapshot() Stats {
	return Stats{
		Logins:         c[statLogins].Load(),
		Refused:        c[statRefused].Load(),
		Denied:         c[statDenied].Load(),
		PendingLogins:  c[statPendingLogins].Load(),
		PreviousLogins: c[statPreviousLogins].Load(),
		Recoveries:     c[statRecoveries].Load(),
		Withheld:       c[statWithheld].Load(),
	}
}

// connectorStats are a Connector's counters and, for a Connector of the
// registered drivers, the drivers' shared ones.
type connectorStats struct {
	own    counters
	shared *counters // nil for a Connector from NewConnector
}

func (s *connectorStats) add(k stat) {
	s.own[k].Add(1)
	if s.shared != nil {
		s.shared[k].Add(1)
	}
}

// driverCounters count for every Connector the registered drivers made.
var driverCounters counters

// DriverStats returns the counters of every Connector that the registered
// drivers (sql.Open with DriverMySQL or DriverPostgres) made in this
// process, summed: database/sql gives no access to a sql.DB's Connector.
func DriverStats() Stats { return driverCounters.snapshot() }
