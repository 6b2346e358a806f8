package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/rotation"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// useRotation registers, as the secret's rotation function, a
// rotation.Handler with the Database strategy of scheme, as Secrets Manager
// would invoke it in Lambda. Around it, the adapter from the emulator's
// request to the Lambda event, and a pause after setSecret that holds the
// window open (see holdWindow).
func (st *story) useRotation(scheme rotation.Scheme) error {
	h := &rotation.Handler{
		Client: &countingClient{Client: st.srv.Client(), reads: &st.rotationReads},
		Strategy: &rotation.Database{
			Scheme: scheme,
			// The demo's server is local and without TLS; a deployed
			// function keeps the default, TLS required.
			TLS: rotation.TLS{Mode: rotation.TLSDisable},
			// The secret points at the relay, which counts the workload's
			// logins; the rotation function goes to the server itself.
			Dial: st.dialServer,
		},
		Logger: slog.New(&storyLog{st: st}),
	}
	return st.srv.SetRotationFunc(secretID, func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		err := h.Handle(ctx, rotation.Event{
			SecretID: req.SecretID, ClientRequestToken: req.ClientRequestToken,
			Step: rotation.Step(req.Step), RotationToken: req.RotationToken,
		})
		if err == nil && req.Step == secretsmanagertest.StepSetSecret && scheme == rotation.SingleUser {
			err = st.holdWindow(ctx)
		}
		return err
	})
}

// dialServer connects to the database server, whatever address the secret
// names.
func (st *story) dialServer(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, st.relay.target)
}

// holdWindow lets the workload open connections between setSecret and
// finishSecret, when the database accepts only AWSPENDING's password, for
// at least opts.window and until one connection was opened.
func (st *story) holdWindow(ctx context.Context) error {
	set := st.conn.opened.Load()
	err := st.settle(ctx, time.Now(), st.opts.window, "a connection opened in the window", func() bool {
		return st.conn.opened.Load() > set
	})
	st.facts.windowOpened = st.conn.opened.Load() - set
	st.log("%d connections opened while only AWSPENDING's password works", st.facts.windowOpened)
	return err
}

// rotate rotates the secret with RotateSecret and waits for the rotation
// function to finish, returning the new version.
func (st *story) rotate(ctx context.Context) (string, error) {
	out, err := st.srv.Client().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		return "", err
	}
	st.log("RotateSecret: rotation to version %s started", short(aws.ToString(out.VersionId)))
	if err := st.srv.WaitRotation(ctx, secretID); err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// short abbreviates a version ID for the story.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// storyLog prints the rotation function's log records as lines of the
// story: the step, the decision, and the user it concerns.
type storyLog struct {
	st    *story
	attrs []slog.Attr
}

func (l *storyLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelInfo }

func (l *storyLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "step started" {
		return nil
	}
	var step string
	var extra []string
	add := func(a slog.Attr) bool {
		switch a.Key {
		case "step":
			step = a.Value.String()
		case "user", "loggedInWith", "created", "kind":
			extra = append(extra, a.Key+"="+a.Value.String())
		case "error":
			extra = append(extra, a.Value.String())
		}
		return true
	}
	for _, a := range l.attrs {
		add(a)
	}
	r.Attrs(add)
	line := "rotation function, " + step + ": " + r.Message
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	l.st.log("%s", line)
	return nil
}

func (l *storyLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &storyLog{st: l.st, attrs: append(append([]slog.Attr{}, l.attrs...), attrs...)}
}

func (l *storyLog) WithGroup(string) slog.Handler { return l }

// countingClient counts the GetSecretValue calls of the rotation function,
// so that the story reports those of the workload alone.
type countingClient struct {
	rotation.Client
	reads *atomic.Int64
}

func (c *countingClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.reads.Add(1)
	return c.Client.GetSecretValue(ctx, in, optFns...)
}
