package dbdemo

import (
	"cmp"
	"database/sql"
	"errors"
)

// Addr is where a server listens and the database the demo users log in
// to, as the demo secrets say.
type Addr struct {
	Host     string
	Port     int
	Database string
}

// Admin says how a demo reaches an account that may create users.
type Admin struct {
	// DSN is the admin DSN in the engine's own form (go-sql-driver DSN or
	// postgres URL); "" means Engine.DefaultAdminDSN. Ignored when DB is set.
	DSN string
	// DB, set by tests, is an admin pool used instead of DSN; Addr must then
	// say where the server listens. A MySQL pool must interpolate parameters
	// (interpolateParams=true), as testdb's does.
	DB *sql.DB
	// Addr overrides the address DSN names; a zero field keeps the DSN's.
	Addr
}

// Open returns the admin pool, which the caller closes unless it is a.DB,
// and the server's address: a.Addr with a.DB, else the DSN's overridden by
// a.Addr. The address may lack a host or port, as a DSN over a Unix socket
// does; the caller decides whether it needs them.
func (a Admin) Open(eng Engine) (*sql.DB, Addr, error) {
	if a.DB != nil {
		if a.Host == "" || a.Port == 0 {
			return nil, a.Addr, errors.New("an admin pool needs the server's host and port")
		}
		return a.DB, a.Addr, nil
	}
	connector, parsed, err := eng.parseAdmin(cmp.Or(a.DSN, eng.DefaultAdminDSN()))
	if err != nil {
		return nil, a.Addr, err
	}
	addr := Addr{
		Host:     cmp.Or(a.Host, parsed.Host),
		Port:     cmp.Or(a.Port, parsed.Port),
		Database: cmp.Or(a.Database, parsed.Database),
	}
	return sql.OpenDB(connector), addr, nil
}
