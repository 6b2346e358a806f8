package dbdemo

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// runAWS opens the database named by a real secret through the registered
// driver, whose cache is built from the standard AWS configuration.
func runAWS(ctx context.Context, w io.Writer, eng Engine, opts options) (facts, error) {
	var f facts
	d := eng.demo()
	dsn := (&jdbcstyle.Config{
		SecretID: opts.secretID,
		Host:     opts.Host,
		Port:     opts.Port,
		DBName:   opts.Database,
		Region:   opts.region,
		Endpoint: opts.endpoint,
	}).FormatDSN()
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		return f, err
	}
	defer db.Close()
	// The DSN names the secret; it holds no password.
	fmt.Fprintf(w, "db, err := sql.Open(%q, %q)\n", d.driver, dsn)
	if f.user, f.version, err = whoami(ctx, db, d.whoami); err != nil {
		return f, err
	}
	fmt.Fprintf(w, "%s: %s, %s\n", d.whoamiShown, f.user, f.version)
	return f, nil
}
