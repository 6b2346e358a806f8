package jdbcstyle_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/secretcache/secretcache-go/jdbcstyle"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// A service opens its database by secret ID; the driver reads the secret
// through a default cache built from the standard AWS configuration. (Not
// run here: it needs AWS credentials and a database.)
func Example() {
	db, err := sql.Open(jdbcstyle.DriverMySQL, "prod/app/db?parseTime=true")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	// Let connections end well within the rotation interval, so that none
	// outlives the credentials it logged in with by more than that.
	db.SetConnMaxLifetime(time.Hour)

	var now time.Time
	if err := db.QueryRowContext(context.Background(), "SELECT NOW()").Scan(&now); err != nil {
		log.Fatal(err)
	}
}

// A service that builds its own cache gives it to NewConnector. The secret
// here is one RDS manages for a master user: it holds only username and
// password, so the DSN names the host. (Not run here: it needs a database;
// TestConnectAndQuery runs the same steps against a real one.)
func ExampleNewConnector() {
	cache, err := secretcache.New()
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()

	c, err := jdbcstyle.NewConnector(cache, jdbcstyle.Postgres,
		"rds!db-0b5c1d2e-aaaa-bbbb-cccc-123456789012?host=db.example.com&dbname=shop&sslmode=require&loginTimeout=10s")
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c) // db.Close closes c too
	defer db.Close()

	if err := db.PingContext(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// A failed Connect is a *ConnectError; the error behind it, here the one
// Secrets Manager returned, stays reachable with errors.As.
func ExampleConnectError() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()

	c, err := jdbcstyle.NewConnector(cache, jdbcstyle.MySQL, "no/such/secret")
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Connect(context.Background())

	var ce *jdbcstyle.ConnectError
	var notFound *types.ResourceNotFoundException
	fmt.Println(errors.As(err, &ce), ce.SecretID, ce.Stage, len(ce.Attempts))
	fmt.Println(errors.As(err, &notFound))
	// Output:
	// true no/such/secret AWSCURRENT 0
	// true
}

func ExampleParseSecret() {
	s, err := jdbcstyle.ParseSecret([]byte(`{
		"engine": "postgres", "host": "db.example.com",
		"username": "app", "password": "correct horse battery staple"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Engine, s.Host, s.Port, s.DBName, s.Username)
	fmt.Println(s.Password)
	fmt.Printf("%+v\n", *s)
	// Output:
	// postgres db.example.com 5432 postgres app
	// [REDACTED]
	// {Engine:postgres Host:db.example.com Port:5432 Username:app Password:[REDACTED] DBName:postgres MasterARN: DBInstanceIdentifier: DBClusterIdentifier: NamespaceName: SSL:false SSLMode:}
}

// Errors name the key and never the value.
func ExampleSecretError() {
	_, err := jdbcstyle.ParseSecret([]byte(`{"username": "app", "password": "hunter2", "port": "33o6"}`))
	fmt.Println(err)
	var se *jdbcstyle.SecretError
	if errors.As(err, &se) {
		fmt.Println(se.Key)
	}
	// Output:
	// jdbcstyle: secret JSON: key port: not a port number (digits only, 1 to 65535)
	// port
}

func ExamplePassword() {
	p := jdbcstyle.Password("hunter2")
	fmt.Printf("%v %s %q %x %#v\n", p, p, p, p, p)
	fmt.Println(string(p) == "hunter2")
	// Output:
	// [REDACTED] [REDACTED] "[REDACTED]" [REDACTED] jdbcstyle.Password("[REDACTED]")
	// true
}

func ExampleParseDSN() {
	cfg, err := jdbcstyle.ParseDSN("arn:aws:secretsmanager:eu-west-3:123456789012:secret:prod/app/db-AbCdEf" +
		"?host=db.internal&parseTime=true&fallback=false&loc=UTC")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Region, cfg.Host, cfg.NoFallback, cfg.LoginTimeout)
	fmt.Println(cfg.DriverParams)
	// Output:
	// eu-west-3 db.internal true 30s
	// parseTime=true&loc=UTC
}

// Errors name the parameter at fault and never quote the DSN, which may be
// a password-bearing DSN given to the wrong driver.
func ExampleDSNError() {
	_, err := jdbcstyle.ParseDSN("app:hunter2@tcp(db:3306)/shop")
	fmt.Println(err)
	_, err = jdbcstyle.ParseDSN("prod/app/db?loginTimeout=30")
	fmt.Println(err)
	// Output:
	// jdbcstyle: dsn: secret id has a character that secret names cannot have (letters, digits and /_+=.@-! only)
	// jdbcstyle: dsn: param loginTimeout: not a positive Go duration (e.g. 30s)
}

func ExampleConfig_FormatDSN() {
	cfg := jdbcstyle.Config{SecretID: "prod/app/db", Port: 6432, LoginTimeout: 5 * time.Second, DriverParams: "sslmode=require"}
	fmt.Println(cfg.FormatDSN())
	// Output:
	// prod/app/db?port=6432&loginTimeout=5s&sslmode=require
}

func ExampleEngine() {
	fmt.Println(jdbcstyle.MySQL, jdbcstyle.Postgres)
	// Output:
	// mysql postgres
}

// A pgx pool whose connections take their credentials from the secret and
// survive its rotation; pool_* params configure pgxpool. (Not run here: it
// needs a database; TestPgxPoolRotations runs it through rotations.)
func ExampleNewPgxPool() {
	cache, err := secretcache.New()
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()

	pool, err := jdbcstyle.NewPgxPool(context.Background(), cache,
		"prod/app/pg?sslmode=verify-full&pool_max_conns=20&pool_max_conn_lifetime=1h")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	var now time.Time
	if err := pool.QueryRow(context.Background(), "SELECT now()").Scan(&now); err != nil {
		log.Fatal(err)
	}
}

// The pool's own settings and hooks stay the caller's to set; a caller's
// BeforeConnect must call the one NewPgxPoolConfig installed. (Not run
// here: it needs a database.)
func ExampleNewPgxPoolConfig() {
	cache, err := secretcache.New()
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()

	cfg, err := jdbcstyle.NewPgxPoolConfig(cache, "prod/app/pg?sslmode=verify-full")
	if err != nil {
		log.Fatal(err)
	}
	cfg.MaxConns = 20
	login := cfg.BeforeConnect
	var opened atomic.Int64
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		opened.Add(1)
		return login(ctx, cc)
	}
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "SET statement_timeout = '5s'")
		return err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
}

// A Connector counts its logins, refusals and fallbacks for a service to
// export; DriverStats sums those of the Connectors sql.Open made.
func ExampleConnector_Stats() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = srv.Client() })
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()
	c, err := jdbcstyle.NewConnector(cache, jdbcstyle.MySQL, "no/such/secret")
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Connect(context.Background())
	s := c.Stats()
	fmt.Println(err != nil, s.Logins, s.Refused, s.FallbackLogins())
	// Output:
	// true 0 0 0
}

// fallbackPrevious narrows or widens which AWSPREVIOUS versions a refused
// Connect may fall back to; loginConcurrency bounds the refused logins of a
// rotation.
func ExamplePreviousPolicy() {
	cfg, err := jdbcstyle.ParseDSN("prod/app/db?fallbackPrevious=never&loginConcurrency=4")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Previous, cfg.LoginConcurrency)
	// Output:
	// never 4
}
