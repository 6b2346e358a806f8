package secretsmanagertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// targetPrefix starts the X-Amz-Target header of every Secrets Manager call.
const targetPrefix = "secretsmanager."

// Server is an in-process Secrets Manager listening on a loopback address.
// Create it with NewServer (or NewServerAt for a fixed address) and stop it
// with Close. All methods are safe for concurrent use, including while the
// server is serving requests.
type Server struct {
	// URL is the base URL of the server, of the form http://127.0.0.1:port.
	// It is the endpoint a client must use.
	URL string

	cfg       config
	srv       *httptest.Server
	done      chan struct{} // closed by Close, releasing held requests
	closeOnce sync.Once

	// life is the context of every rotation, cancelled by Close. It is
	// cancelled with store.mu held, and rotations start with store.mu held
	// after checking it, so that no rotation starts after Close waits.
	life      context.Context
	stop      context.CancelFunc
	rotations sync.WaitGroup // the goroutines running rotations

	store    *store
	controls *controls
	faults   *faults
}

// NewServer starts and returns a new Server on a free loopback port,
// configured by opts, with no secrets but those of WithSeed. The caller
// should call Close when finished, to shut it down. NewServer panics if a
// seed is refused.
func NewServer(opts ...Option) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic(err)
	}
	s.srv = httptest.NewServer(s.Handler())
	s.URL = s.srv.URL
	return s
}

// NewServerAt is NewServer on a fixed address, such as "127.0.0.1:4566"
// (port 0 picks a free one; URL tells which). It refuses an address that is
// not a loopback one unless opts include WithRemoteAccess, and fails if the
// address cannot be listened on or a seed is refused.
func NewServerAt(addr string, opts ...Option) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("secretsmanagertest: %w", err)
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() && !s.cfg.remote {
		_ = ln.Close()
		return nil, fmt.Errorf("secretsmanagertest: %s is not a loopback address; the server has no authentication, so it listens elsewhere only with WithRemoteAccess", addr)
	}
	s.srv = httptest.NewUnstartedServer(s.Handler())
	_ = s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	s.URL = s.srv.URL
	return s, nil
}

// newServer builds a server that does not listen yet, with its seed.
func newServer(opts []Option) (*Server, error) {
	cfg := newConfig(opts)
	s := &Server{
		cfg:      cfg,
		done:     make(chan struct{}),
		store:    newStore(cfg.account),
		controls: newControls(),
		faults:   newFaults(),
	}
	s.life, s.stop = context.WithCancel(context.Background())
	if err := s.Reset(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close shuts down the server and blocks until all outstanding requests on
// it have completed and every rotation has stopped. Requests held by
// SetLatency or a Timeout fault are aborted first, so Close never waits on
// them; a running rotation function has its context cancelled and is
// waited for. Close is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.store.mu.Lock()
		s.stop()
		s.store.mu.Unlock()
		close(s.done)
		s.srv.Close()
		s.rotations.Wait()
	})
}

// Config returns an aws.Config pointing at the server: the server's region
// (Region unless WithRegion), static dummy credentials, BaseEndpoint set
// to URL, and retries turned off (aws.NopRetryer) so that every SDK call is
// exactly one request and Calls counts are exact. Its HTTP client sends
// each request body from a copy of its own, so that no call fails on a
// connection the transport dropped under it (a failure the SDK would
// retry). Use it to build a client with options of your own; a client of
// another region (set its Region) sees that region's secrets, replicas
// included.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       s.cfg.region,
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   &http.Client{Transport: bufferedBodies{next: s.srv.Client().Transport}},
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{
				AccessKeyID:     "AKIDSECRETSMANAGERTEST",
				SecretAccessKey: "secretsmanagertest",
				Source:          "secretsmanagertest",
			}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// Client returns a Secrets Manager client configured by Config, with
// optFns applied on top. Because retries are off, an injected fault reaches
// the caller on the first attempt.
func (s *Server) Client(optFns ...func(*secretsmanager.Options)) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(s.Config(), optFns...)
}

// handler decodes one operation's JSON input and runs it.
type handler func(s *Server, ctx context.Context, body []byte) (any, error)

// operation adapts a typed operation method to a handler.
func operation[In, Out any](fn func(*Server, context.Context, *In) (*Out, error)) handler {
	return func(s *Server, ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if len(body) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, &smithy.GenericAPIError{Code: "SerializationException", Message: "Malformed request body."}
			}
		}
		return fn(s, ctx, in)
	}
}

// operations maps the X-Amz-Target operation names to their handlers: the
// 23 operations of the Secrets Manager API.
var operations = map[string]handler{
	"BatchGetSecretValue":          operation((*Server).batchGetSecretValue),
	"CancelRotateSecret":           operation((*Server).cancelRotateSecret),
	"CreateSecret":                 operation((*Server).createSecret),
	"DeleteResourcePolicy":         operation((*Server).deleteResourcePolicy),
	"DeleteSecret":                 operation((*Server).deleteSecret),
	"DescribeSecret":               operation((*Server).describeSecret),
	"GetRandomPassword":            operation((*Server).getRandomPassword),
	"GetResourcePolicy":            operation((*Server).getResourcePolicy),
	"GetSecretValue":               operation((*Server).getSecretValue),
	"ListSecretVersionIds":         operation((*Server).listSecretVersionIDs),
	"ListSecrets":                  operation((*Server).listSecrets),
	"PutResourcePolicy":            operation((*Server).putResourcePolicy),
	"PutSecretValue":               operation((*Server).putSecretValue),
	"RemoveRegionsFromReplication": operation((*Server).removeRegionsFromReplication),
	"ReplicateSecretToRegions":     operation((*Server).replicateSecretToRegions),
	"RestoreSecret":                operation((*Server).restoreSecret),
	"RotateSecret":                 operation((*Server).rotateSecret),
	"StopReplicationToReplica":     operation((*Server).stopReplicationToReplica),
	"TagResource":                  operation((*Server).tagResource),
	"UntagResource":                operation((*Server).untagResource),
	"UpdateSecret":                 operation((*Server).updateSecret),
	"UpdateSecretVersionStage":     operation((*Server).updateSecretVersionStage),
	"ValidateResourcePolicy":       operation((*Server).validateResourcePolicy),
}

// serveAPI serves one Secrets Manager call, in the region it is signed for.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	s.controls.count(op)
	s.hold(r.Context(), s.controls.latencyFor(op))
	if f, ok := s.faults.take(op); ok {
		s.serveFault(w, r, op, f)
		return
	}
	h, ok := operations[op]
	if !ok {
		writeError(w, &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "secretsmanagertest: unsupported operation " + op})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away mid-request; nobody is left to answer
	}
	out, err := h(s, withRegion(r.Context(), requestRegion(r)), body)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
