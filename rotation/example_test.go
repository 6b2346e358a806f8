package rotation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/rotation"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// register makes h the rotation function of secretID on srv: the emulator
// invokes it as Secrets Manager invokes a Lambda function.
func register(srv *secretsmanagertest.Server, secretID string, h *rotation.Handler) error {
	return srv.SetRotationFunc(secretID, func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		return h.Handle(ctx, rotation.Event{
			SecretID: req.SecretID, ClientRequestToken: req.ClientRequestToken,
			Step: rotation.Step(req.Step), RotationToken: req.RotationToken,
		})
	})
}

// keyService stands for the service an API key opens: it accepts the keys
// it holds.
type keyService struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (s *keyService) accepts(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key]
}

// keep makes the service accept exactly keys.
func (s *keyService) keep(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = map[string]bool{}
	for _, k := range keys {
		s.keys[k] = true
	}
}

// apiKey is the secret's JSON.
type apiKey struct {
	Service string `json:"service"`
	Key     string `json:"key"`
}

// apiKeys is a Strategy for API keys: each rotation issues a new key, and
// the service accepts the current and the new one, so that clients
// holding the old key keep working until the next rotation.
type apiKeys struct{ svc *keyService }

func read(ctx context.Context, get func(context.Context) (string, error)) (apiKey, error) {
	var k apiKey
	s, err := get(ctx)
	if err == nil {
		err = json.Unmarshal([]byte(s), &k)
	}
	return k, err
}

func (a apiKeys) CreateSecret(ctx context.Context, r *rotation.Invocation) (string, error) {
	k, err := read(ctx, r.Current)
	if err != nil {
		return "", err
	}
	if k.Key, err = r.RandomPassword(ctx, rotation.PasswordOptions{Length: 40, ExcludePunctuation: true}); err != nil {
		return "", err
	}
	b, err := json.Marshal(k)
	return string(b), err
}

func (a apiKeys) CheckPending(ctx context.Context, r *rotation.Invocation) error {
	cur, err := read(ctx, r.Current)
	if err != nil {
		return err
	}
	pend, err := read(ctx, r.Pending)
	if err != nil {
		return err
	}
	if pend.Service != cur.Service {
		return errors.New("the AWSPENDING key is for another service")
	}
	return nil
}

func (a apiKeys) SetSecret(ctx context.Context, r *rotation.Invocation) error {
	cur, err := read(ctx, r.Current)
	if err != nil {
		return err
	}
	pend, err := read(ctx, r.Pending)
	if err != nil {
		return err
	}
	a.svc.keep(cur.Key, pend.Key) // idempotent; revokes the key before cur
	return nil
}

func (a apiKeys) TestSecret(ctx context.Context, r *rotation.Invocation) error {
	pend, err := read(ctx, r.Pending)
	if err != nil {
		return err
	}
	if !a.svc.accepts(pend.Key) {
		return errors.New("the service refuses the AWSPENDING key")
	}
	return nil
}

// A Strategy of one's own rotates another kind of secret, here an API key,
// with the same steps, checks, logs and errors as the database strategies.
// The emulator of package secretsmanagertest invokes the handler as
// Secrets Manager would.
func Example_apiKey() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	svc := &keyService{keys: map[string]bool{"first-key": true}}
	arn, err := srv.CreateSecret("prod/partner/api-key", `{"service":"partner","key":"first-key"}`)
	if err != nil {
		log.Fatal(err)
	}
	h := &rotation.Handler{Client: srv.Client(), Strategy: apiKeys{svc}, Logger: slog.New(slog.DiscardHandler)}
	if err := register(srv, arn, h); err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := srv.Client().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn)}); err != nil {
		log.Fatal(err)
	}
	if err := srv.WaitRotation(ctx, arn); err != nil {
		log.Fatal(err)
	}
	out, err := srv.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		log.Fatal(err)
	}
	var k apiKey
	if err := json.Unmarshal([]byte(*out.SecretString), &k); err != nil {
		log.Fatal(err)
	}
	fmt.Println("AWSCURRENT holds a new key:", k.Key != "first-key" && len(k.Key) == 40)
	fmt.Println("the service accepts it:", svc.accepts(k.Key))
	fmt.Println("and the old key, until the next rotation:", svc.accepts("first-key"))
	// Output:
	// AWSCURRENT holds a new key: true
	// the service accepts it: true
	// and the old key, until the next rotation: true
}

// Errors say what to look at; Kind, Stage and Key are there to branch on.
// Here the secret lacks its "host" key, and createSecret stops before
// anything is written.
func ExampleError() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	arn, err := srv.CreateSecret("prod/app/db", `{"engine":"mysql","username":"app","password":"s3cret-pw"}`)
	if err != nil {
		log.Fatal(err)
	}
	h := &rotation.Handler{Client: srv.Client(), Strategy: &rotation.Database{}, Logger: slog.New(slog.DiscardHandler)}
	if err := register(srv, arn, h); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := srv.Client().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn)}); err != nil {
		log.Fatal(err)
	}
	err = srv.WaitRotation(ctx, arn)

	var e *rotation.Error
	if errors.As(err, &e) {
		fmt.Println(e.Step, e.Kind, e.Stage, e.Key)
		fmt.Println(e.Problem)
	}
	// Output:
	// createSecret secret value AWSCURRENT host
	// the AWSCURRENT version's "host" key: missing
}

// A rotation function for MySQL, MariaDB and PostgreSQL users is the
// Database strategy behind a Handler, started by lambda.Start; its
// settings come from the function's environment (see DatabaseFromEnv).
// This example does not run: it needs Lambda's runtime API and a database.
// examples/rotation-lambda is the complete program.
func ExampleHandler_Handle() {
	db, err := rotation.DatabaseFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &rotation.Handler{
		Client:   secretsmanager.NewFromConfig(cfg),
		Strategy: db,
		Logger:   slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	}
	lambda.Start(h.Handle)
}

// Alternating users, with TLS verified against the RDS CA bundle that
// Amazon Linux ships. This example does not run: it needs a database.
func ExampleDatabase() {
	roots, err := rotation.LoadCAFile("/etc/pki/tls/cert.pem")
	if err != nil {
		log.Fatal(err)
	}
	db := &rotation.Database{
		Scheme:   rotation.AlternatingUsers,
		TLS:      rotation.TLS{Mode: rotation.TLSVerifyFull, RootCAs: roots},
		Password: rotation.PasswordOptions{Length: 40},
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &rotation.Handler{Client: secretsmanager.NewFromConfig(cfg), Strategy: db}
	lambda.Start(h.Handle)
}

// DatabaseFromEnv reads the settings AWS's templates read, and a few more.
func ExampleDatabaseFromEnv() {
	env := map[string]string{"ROTATION_SCHEME": "alternating-users", "PASSWORD_LENGTH": "40", "EXCLUDE_CHARACTERS": `/@"'\`}
	db, err := rotation.DatabaseFromEnv(func(k string) string { return env[k] })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(db.Scheme, db.Engine, db.Password.Length)
	// Output: alternating-users any 40
}
