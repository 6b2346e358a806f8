package jdbcstyle

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/sync/semaphore"
)

// The login gate bounds how many logins of one account (the Connectors of
// one secret, cache and DSN; see account) are waiting for
// the database's verdict at once. It is what bounds the refused logins of a
// rotation: when the database starts refusing a password, every login that
// already sent it is refused, and only then does the Connector know. A
// login takes a slot of the gate just before it writes the credentials to
// the server and keeps it until the Connector has recorded the verdict.
// For MySQL that is the first write, the handshake response, after the TCP
// connect and the server's greeting. For PostgreSQL it is the message with
// the password proof (see pgProof): after TLS, the startup message, the
// fork of a backend and, for SCRAM, the first round of the exchange and the
// client's key derivation, which is most of the client's work. A login that gets
// its slot after the credentials it carries were refused by another login
// is abandoned before it sends anything (see login.send): the burst of
// refused logins at a rotation is at most the gate's size, whatever the
// number of concurrent Connects.

// errAbandoned is what a gated connection's Write returns for a login whose
// credentials were refused while it waited for the gate.
var errAbandoned = errors.New("jdbcstyle: login abandoned: its credentials were refused meanwhile")

// login is one login attempt as the engine drivers see it: the password to
// use and the gate to pass. It travels to the drivers' connect hooks in the
// context of their Connect (see loginFrom). It belongs to one login; its
// fields are written by the goroutine that runs it, which is the one that
// writes to the connection during the login, and read after the login
// returns.
type login struct {
	deadline time.Time
	password string

	gate *semaphore.Weighted // nil: no limit
	// The login is stale once ladder records a refusal of version after
	// generation gen; a nil ladder never does.
	ladder  *ladder
	version string
	gen     uint64
	probe   bool // a refused version tried again (see attempts.try)

	// mu guards sent and cut, which the login shares with the function
	// that the caller's context runs when it ends (see attempts.tryDetached).
	mu   sync.Mutex
	sent bool // the credentials are on their way to the server
	cut  bool // the Connect gave up before they were: do not send them

	held      bool           // a slot of gate is held
	abandoned bool           // send found the credentials stale
	conn      net.Conn       // the connection the MySQL driver dialled, to clear its deadline
	pgConfig  *pgconn.Config // pgconn's copy of the config, to wipe its password after the login
	gated     *gatedConn     // the login's connection, to end its gating after the login
}

type loginKey struct{}

// withLogin returns ctx carrying l for the drivers' hooks.
func withLogin(ctx context.Context, l *login) context.Context {
	return context.WithValue(ctx, loginKey{}, l)
}

// loginFrom returns the login that ctx carries, or nil.
func loginFrom(ctx context.Context) *login {
	l, _ := ctx.Value(loginKey{}).(*login)
	return l
}

// send is called before the login writes its credentials to the server:
// it waits for a slot of the gate (until the login's deadline), then
// abandons the login if its credentials were refused meanwhile.
func (l *login) send(ctx context.Context) error {
	if l.gate != nil && !l.held {
		if !l.gate.TryAcquire(1) {
			wctx, cancel := context.WithDeadline(ctx, l.deadline)
			err := l.gate.Acquire(wctx, 1)
			cancel()
			if err != nil {
				return err
			}
		}
		l.held = true
	}
	if l.ladder != nil && l.ladder.staleSince(l.version, l.gen) {
		l.abandoned = true
		return errAbandoned
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return errGaveUp
	}
	l.sent = true
	return nil
}

// errGaveUp is what a gated connection's Write returns for a login whose
// Connect gave up before the credentials were sent.
var errGaveUp = errors.New("jdbcstyle: login stopped: the Connect's context ended")

// cutOff stops the login for a Connect that gave up, unless its
// credentials were sent already: then the login goes on to its verdict. It
// reports whether the login was stopped.
func (l *login) cutOff() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent {
		return false
	}
	l.cut = true
	return true
}

// release gives the gate's slot back, once the verdict is recorded.
func (l *login) release() {
	if l.held {
		l.held = false
		l.gate.Release(1)
	}
}

// gatedConn is the connection of a login: the Write that carries the
// credentials goes through login.send. Afterwards it only forwards, for the
// connection's life.
type gatedConn struct {
	net.Conn
	// ctx, l and proof are the login's, used and cleared by the Write that
	// carries the credentials, which runs on the login's goroutine, as do
	// the Writes before it; later Writes, from whichever goroutine uses the
	// connection, only read sent.
	ctx context.Context
	l   *login
	// proof reports whether a write carries the credentials; nil means
	// the first one does (MySQL's handshake response).
	proof proofScanner
	sent  atomic.Bool
}

// proofScanner tells which write of a login carries its credentials.
type proofScanner interface {
	carriesProof(p []byte) bool
}

func (c *gatedConn) Write(p []byte) (int, error) {
	if !c.sent.Load() && c.proof != nil && !c.proof.carriesProof(p) {
		// A write before the credentials: no slot, but no point in
		// going on with credentials refused meanwhile either.
		if c.l.ladder != nil && c.l.ladder.staleSince(c.l.version, c.l.gen) {
			c.l.abandoned = true
			c.l, c.ctx, c.proof = nil, nil, nil
			c.sent.Store(true)
			return 0, errAbandoned
		}
		return c.Conn.Write(p)
	}
	if !c.sent.Load() {
		err := c.l.send(c.ctx)
		// The login and its context hold the password: drop them, the
		// connection outlives the login.
		c.l, c.ctx, c.proof = nil, nil, nil
		c.sent.Store(true)
		if err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(p)
}

// finish ends the login's part of c, run by the login's goroutine once the
// login is over: a login that never wrote credentials (PostgreSQL's trust
// authentication asks for none) must not have its connection's later
// writes scanned, nor held up by what the ladder learns afterwards.
func (c *gatedConn) finish() {
	if !c.sent.Load() {
		c.l, c.ctx, c.proof = nil, nil, nil
		c.sent.Store(true)
	}
}

// SyscallConn exposes the socket: go-sql-driver/mysql checks a pooled
// connection's liveness through it before reusing it.
func (c *gatedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// gateConn wraps conn, the connection of a login, in a gatedConn whose
// proof (nil: the first write) tells the write with the credentials;
// without a login (a connection the drivers open for another purpose, such
// as a PostgreSQL cancel request) conn is returned as is.
func gateConn(ctx context.Context, conn net.Conn, proof proofScanner) net.Conn {
	l := loginFrom(ctx)
	if l == nil {
		return conn
	}
	l.gated = &gatedConn{Conn: conn, ctx: ctx, l: l, proof: proof}
	return l.gated
}
