package secretsmanagertest

import (
	"context"
	"encoding/json"
	"io"
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
// Create it with NewServer and stop it with Close. All methods are safe for
// concurrent use, including while the server is serving requests.
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

// NewServer starts and returns a new Server with no secrets, configured
// by opts. The caller should call Close when finished, to shut it down.
func NewServer(opts ...Option) *Server {
	s := &Server{
		cfg:      newConfig(opts),
		done:     make(chan struct{}),
		store:    newStore(),
		controls: newControls(),
		faults:   newFaults(),
	}
	s.life, s.stop = context.WithCancel(context.Background())
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
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

// Config returns an aws.Config pointing at the server: region Region,
// static dummy credentials, BaseEndpoint set to URL, and retries turned
// off (aws.NopRetryer) so that every SDK call is exactly one request and
// Calls counts are exact. Use it to build a client with options of your own.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   s.srv.Client(),
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

// operations maps the X-Amz-Target operation names this server implements.
var operations = map[string]handler{
	"BatchGetSecretValue":      operation((*Server).batchGetSecretValue),
	"CancelRotateSecret":       operation((*Server).cancelRotateSecret),
	"CreateSecret":             operation((*Server).createSecret),
	"DeleteSecret":             operation((*Server).deleteSecret),
	"DescribeSecret":           operation((*Server).describeSecret),
	"GetRandomPassword":        operation((*Server).getRandomPassword),
	"GetSecretValue":           operation((*Server).getSecretValue),
	"ListSecretVersionIds":     operation((*Server).listSecretVersionIDs),
	"PutSecretValue":           operation((*Server).putSecretValue),
	"RestoreSecret":            operation((*Server).restoreSecret),
	"RotateSecret":             operation((*Server).rotateSecret),
	"UpdateSecretVersionStage": operation((*Server).updateSecretVersionStage),
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
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
	out, err := h(s, r.Context(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
