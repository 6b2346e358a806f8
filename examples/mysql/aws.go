package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// runAWS opens the database named by a real secret through the registered
// driver, whose cache is built from the standard AWS configuration.
func runAWS(ctx context.Context, w io.Writer, opts options) (facts, error) {
	var f facts
	dsn := (&jdbcstyle.Config{
		SecretID: opts.secretID,
		Host:     opts.host,
		Port:     opts.port,
		DBName:   opts.database,
		Region:   opts.region,
		Endpoint: opts.endpoint,
	}).FormatDSN()
	db, err := sql.Open(jdbcstyle.DriverMySQL, dsn)
	if err != nil {
		return f, err
	}
	defer db.Close()
	// The DSN names the secret; it holds no password.
	fmt.Fprintf(w, "db, err := sql.Open(%q, %q)\n", jdbcstyle.DriverMySQL, dsn)
	if f.user, f.version, err = whoami(ctx, db); err != nil {
		return f, err
	}
	fmt.Fprintf(w, "SELECT CURRENT_USER(), VERSION(): %s, %s\n", f.user, f.version)
	return f, nil
}
