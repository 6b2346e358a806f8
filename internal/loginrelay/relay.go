package loginrelay

import (
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Engines the relay can parse, the values of testdb.Server.Engine.
const (
	MySQL    = "mysql"
	Postgres = "postgres"
)

// Counts is what a Relay saw servers answer to logins.
type Counts struct {
	// Accepted is the number of logins the server let in.
	Accepted int
	// Refused maps each error code the server refused a login with (a
	// MySQL error number such as "1045", a PostgreSQL SQLSTATE such as
	// "28P01") to how many logins it refused with it.
	Refused map[string]int
	// Unread is the number of connections that switched to TLS, whose
	// login the relay cannot see.
	Unread int
}

// Total returns the number of refused logins, whatever the code.
func (c Counts) Total() int {
	n := 0
	for _, k := range c.Refused {
		n += k
	}
	return n
}

// Relay forwards TCP connections from Host:Port to a database server and
// counts the server's verdicts on their logins.
type Relay struct {
	// Host and Port are where clients connect instead of the server.
	Host string
	Port int

	engine string
	target string
	ln     net.Listener

	verdictDelay atomic.Int64 // nanoseconds; see SetVerdictDelay

	mu     sync.Mutex // guards counts, conns and closed
	counts Counts
	conns  map[net.Conn]struct{}
	closed bool

	wg sync.WaitGroup // counts the accept loop and the relaying goroutines
}

// Start starts a relay to target ("host:port"), whose protocol is engine
// (MySQL or Postgres), and closes it when t ends.
func Start(t testing.TB, engine, target string) *Relay {
	t.Helper()
	if engine != MySQL && engine != Postgres {
		t.Fatalf("loginrelay: unknown engine %q", engine)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("loginrelay: %v", err)
	}
	r := &Relay{
		Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		engine: engine, target: target, ln: ln,
		counts: Counts{Refused: map[string]int{}},
		conns:  map[net.Conn]struct{}{},
	}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.Close)
	return r
}

// Addr returns "Host:Port".
func (r *Relay) Addr() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// Counts returns a copy of what the relay has counted so far.
func (r *Relay) Counts() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.counts
	c.Refused = make(map[string]int, len(r.counts.Refused))
	for k, v := range r.counts.Refused {
		c.Refused[k] = v
	}
	return c
}

// SetVerdictDelay makes the relay hold the bytes that carry each later
// login's verdict for d before it forwards them, as a slow server would;
// the verdict is counted when it arrives. Zero, the default, forwards at
// once.
func (r *Relay) SetVerdictDelay(d time.Duration) { r.verdictDelay.Store(int64(d)) }

// Reset sets every count back to zero.
func (r *Relay) Reset() {
	r.mu.Lock()
	r.counts = Counts{Refused: map[string]int{}}
	r.mu.Unlock()
}

// Close stops accepting, closes every relayed connection and waits for the
// relay's goroutines to end. It is idempotent.
func (r *Relay) Close() {
	r.ln.Close()
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		client, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go r.relay(client)
	}
}

// track registers c so that Close can end it; once the relay is closing it
// closes c instead and reports false.
func (r *Relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		c.Close()
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *Relay) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
	c.Close()
}

func (r *Relay) record(accepted bool, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case accepted:
		r.counts.Accepted++
	case code == "":
		r.counts.Unread++
	default:
		r.counts.Refused[code]++
	}
}

// relay copies one client connection to a new server connection and back,
// feeding the server's side to the engine's login parser.
func (r *Relay) relay(client net.Conn) {
	defer r.wg.Done()
	if !r.track(client) {
		return
	}
	defer r.untrack(client)
	server, err := net.Dial("tcp", r.target)
	if err != nil || !r.track(server) {
		return
	}
	defer r.untrack(server)

	var p parser = &mysqlParser{r: r}
	if r.engine == Postgres {
		tls, err := r.negotiatePostgres(client, server)
		if err != nil {
			return
		}
		if tls {
			r.record(false, "")
			p = nil
		} else {
			p = &postgresParser{r: r}
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			if p != nil && p.feed(buf[:n]) {
				p = nil // verdict recorded; the rest is the session
				if d := time.Duration(r.verdictDelay.Load()); d > 0 {
					time.Sleep(d) // a slow server: the verdict arrives late
				}
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	client.Close()
	<-done
}

// parser reads the server's side of a login; feed reports true once it has
// recorded the verdict.
type parser interface {
	feed(b []byte) (done bool)
}
