package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// BenchmarkConnect compares opening a connection with credentials from the
// cache against the plain driver given the same credentials literally, on
// the same server in the same run. Both sides log in fully each time; the
// difference is what this package adds to a login.
//
//	go test -run '^$' -bench Connect -count 5 ./jdbcstyle/
func BenchmarkConnect(b *testing.B) {
	for _, engine := range []Engine{MySQL, Postgres} {
		b.Run(engine.String(), func(b *testing.B) {
			plain, cached := benchConnectors(b, engine)
			b.Run("plain", func(b *testing.B) { benchConnect(b, plain) })
			b.Run("secretsmanager", func(b *testing.B) { benchConnect(b, cached) })
		})
	}
}

// BenchmarkConnectParallel is BenchmarkConnect with concurrent connects, as
// a pool filling up after a restart makes them.
func BenchmarkConnectParallel(b *testing.B) {
	for _, engine := range []Engine{MySQL, Postgres} {
		b.Run(engine.String(), func(b *testing.B) {
			plain, cached := benchConnectors(b, engine)
			b.Run("plain", func(b *testing.B) { benchConnectParallel(b, plain) })
			b.Run("secretsmanager", func(b *testing.B) { benchConnectParallel(b, cached) })
		})
	}
}

// BenchmarkConnectBurst is 30 Connects started together, one op per burst,
// as a pool refilling after a restart or a network blip makes them: the
// price of the login gate, which lets DefaultLoginConcurrency logins wait
// for a verdict at once.
//
//	go test -run '^$' -bench ConnectBurst -count 5 ./jdbcstyle/
func BenchmarkConnectBurst(b *testing.B) {
	for _, engine := range []Engine{MySQL, Postgres} {
		b.Run(engine.String(), func(b *testing.B) {
			plain, cached := benchConnectors(b, engine)
			b.Run("plain", func(b *testing.B) { benchConnectBurst(b, plain, 30) })
			b.Run("secretsmanager", func(b *testing.B) { benchConnectBurst(b, cached, 30) })
		})
	}
}

func benchConnectBurst(b *testing.B, c driver.Connector, n int) {
	ctx := context.Background()
	conns := make([]driver.Conn, n)
	errs := make([]error, n)
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conns[i], errs[i] = c.Connect(ctx)
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				b.Fatal(errs[i])
			}
			conns[i].Close()
		}
	}
}

// benchConnectors returns the plain driver's connector with a literal
// password and this package's connector on a secret with the same
// credentials, its cache warm.
func benchConnectors(b testing.TB, engine Engine) (plain, cached driver.Connector) {
	e := newEnv(b, engine)
	user, pw := e.newUser(b, "bench")
	e.createSecret(b, e.secretJSON(b, user, pw))
	c, _ := e.connector(b, "")
	var err error
	if engine == MySQL {
		var cfg *mysql.Config
		if cfg, err = mysql.ParseDSN(e.db.DSN(user, pw)); err == nil {
			plain, err = mysql.NewConnector(cfg)
		}
	} else {
		var cfg *pgx.ConnConfig
		if cfg, err = pgx.ParseConfig(e.db.DSN(user, pw)); err == nil {
			plain = stdlib.GetConnector(*cfg)
		}
	}
	if err != nil {
		b.Fatalf("plain connector: %v", err)
	}
	conn, err := c.Connect(context.Background()) // warms the cache
	if err != nil {
		b.Fatalf("Connect: %v", err)
	}
	conn.Close()
	return plain, c
}

func benchConnect(b *testing.B, c driver.Connector) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		conn, err := c.Connect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		conn.Close()
	}
}

func benchConnectParallel(b *testing.B, c driver.Connector) {
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			conn, err := c.Connect(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			conn.Close()
		}
	})
}

// BenchmarkConnectAB times the plain driver and this package's Connector
// alternately, op by op, in the same loop, and reports both and their
// ratio: a database server's timing drifts over thousands of connections,
// which favours whichever side a sequential benchmark runs first. "one" is
// a single goroutine, "one-on-pool-context" the same on a context that can
// end (as database/sql's pool uses), "one-on-request-context" on one with a
// deadline, "parallel" GOMAXPROCS goroutines,
// "burst" 30 Connects started together.
//
//	go test -run '^$' -bench ConnectAB -count 6 ./jdbcstyle/
func BenchmarkConnectAB(b *testing.B) {
	for _, engine := range []Engine{MySQL, Postgres} {
		b.Run(engine.String(), func(b *testing.B) {
			plain, cached := benchConnectors(b, engine)
			b.Run("one", func(b *testing.B) {
				abLoop(b, func(c driver.Connector) { benchOne(b, c) }, plain, cached)
			})
			b.Run("one-on-pool-context", func(b *testing.B) {
				// database/sql opens pooled connections on a context
				// that ends when the DB is closed.
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				abLoop(b, func(c driver.Connector) { benchOneOn(ctx, b, c) }, plain, cached)
			})
			b.Run("one-on-request-context", func(b *testing.B) {
				// A request's context, with a deadline, under which
				// database/sql opens a connection when its pool has none.
				ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
				defer cancel()
				abLoop(b, func(c driver.Connector) { benchOneOn(ctx, b, c) }, plain, cached)
			})
			b.Run("parallel", func(b *testing.B) {
				abLoop(b, func(c driver.Connector) { benchN(b, c, runtime.GOMAXPROCS(0)) }, plain, cached)
			})
			b.Run("burst", func(b *testing.B) {
				abLoop(b, func(c driver.Connector) { benchN(b, c, 30) }, plain, cached)
			})
		})
	}
}

// abLoop runs op on plain and on cached b.N times each, in turn, and
// reports the mean time of each and their ratio. Which side goes first
// alternates too: a connect right after another's close meets a server
// still cleaning up.
func abLoop(b *testing.B, op func(driver.Connector), plain, cached driver.Connector) {
	var tp, tc time.Duration
	timed := func(c driver.Connector) time.Duration {
		start := time.Now()
		op(c)
		return time.Since(start)
	}
	first := true
	for b.Loop() {
		if first {
			tp += timed(plain)
			tc += timed(cached)
		} else {
			tc += timed(cached)
			tp += timed(plain)
		}
		first = !first
	}
	n := float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(tp.Microseconds())/n, "plain-µs/op")
	b.ReportMetric(float64(tc.Microseconds())/n, "secretsmanager-µs/op")
	b.ReportMetric(float64(tc)/float64(tp), "ratio")
}

func benchOne(b *testing.B, c driver.Connector) {
	benchOneOn(context.Background(), b, c)
}

func benchOneOn(ctx context.Context, b *testing.B, c driver.Connector) {
	conn, err := c.Connect(ctx)
	if err != nil {
		b.Fatal(err)
	}
	conn.Close()
}

// benchN runs n Connects at once and closes their connections.
func benchN(b *testing.B, c driver.Connector, n int) {
	var wg sync.WaitGroup
	conns := make([]driver.Conn, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns[i], errs[i] = c.Connect(context.Background())
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			b.Fatal(errs[i])
		}
		conns[i].Close()
	}
}
