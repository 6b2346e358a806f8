// Package orm shows a jdbcstyle *sql.DB under the ORMs and query builders Go
// services use: sqlx, GORM and ent. Each takes the *sql.DB as it is; the
// rotation handling stays in jdbcstyle's Connector underneath. It lives in
// a module of its own so that the library's module needs none of them.
package orm

import (
	"database/sql"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jmoiron/sqlx"
	"github.com/secretcache/secretcache-go/jdbcstyle"
	gormmysql "gorm.io/driver/mysql"
	gormpostgres "gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// SQLX wraps db for sqlx. sqlx chooses its placeholder style from the
// driver name it is given, and it does not know "secretsmanager-postgres":
// it would rewrite queries with ? on PostgreSQL. So it is given the name of
// the driver underneath, "pgx" or "mysql".
func SQLX(db *sql.DB, engine jdbcstyle.Engine) *sqlx.DB {
	if engine == jdbcstyle.Postgres {
		return sqlx.NewDb(db, "pgx")
	}
	return sqlx.NewDb(db, "mysql")
}

// GORM opens a GORM database on db: GORM's drivers accept an existing
// *sql.DB as Conn instead of a DSN.
func GORM(db *sql.DB, engine jdbcstyle.Engine) (*gorm.DB, error) {
	var d gorm.Dialector
	if engine == jdbcstyle.Postgres {
		d = gormpostgres.New(gormpostgres.Config{Conn: db})
	} else {
		d = gormmysql.New(gormmysql.Config{Conn: db})
	}
	return gorm.Open(d, &gorm.Config{})
}

// Ent returns an ent driver on db. A generated client takes it with
// ent.NewClient(ent.Driver(drv)); it also runs ent's query builder as is.
func Ent(db *sql.DB, engine jdbcstyle.Engine) *entsql.Driver {
	if engine == jdbcstyle.Postgres {
		return entsql.OpenDB(dialect.Postgres, db)
	}
	return entsql.OpenDB(dialect.MySQL, db)
}
