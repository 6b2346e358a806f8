// Postgres opens a PostgreSQL database by the ID of an AWS Secrets Manager
// secret instead of a password, and asks the server who it is logged in as.
//
// With no flags it needs no AWS account: it creates a demo user with a random
// password on a local server (through -admin-dsn), stores that user's
// credentials in the in-process Secrets Manager of package secretsmanagertest,
// and opens the database with
//
//	sql.OpenDB(jdbcstyle.NewConnector(cache, jdbcstyle.Postgres, "demo/postgres"))
//
// on a secretcache.Cache whose client talks to that Secrets Manager. The demo
// user is dropped at the end. Run it from the repository root:
//
//	go run ./examples/postgres
//	go run ./examples/postgres -admin-dsn 'postgres://postgres:pw@db.local:5432/app'
//
// With -secret-id it reads a real secret through the registered driver,
// with the standard AWS credentials and configuration from the environment:
//
//	go run ./examples/postgres -secret-id prod/app/db -region eu-west-1
//
// which is sql.Open("secretsmanager-postgres", "prod/app/db?region=eu-west-1").
// -host, -port and -dbname override the secret's, as RDS-managed secrets
// hold only a username and a password.
//
// It prints the user the server sees and the server's version, never a
// password or a DSN that holds one. The program is in package dbdemo
// (examples/internal/dbdemo), which examples/mysql shares.
package main

import "github.com/secretcache/secretcache-go/examples/internal/dbdemo"

func main() { dbdemo.Main(dbdemo.Postgres) }
