package rotation

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestSecretsManagerOutOfReach points the SDK's own client at a port
// nobody listens on, at a listener that never answers, and at a host name
// that does not resolve, with a Lambda deadline of a few seconds: each
// step fails before the deadline with an error that names VPC endpoints,
// NAT gateways and the Lambda timeout.
func TestSecretsManagerOutOfReach(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // never answered
		}
	}()
	for _, tt := range []struct{ name, url string }{
		{"connection refused", closedURL},
		{"no answer", "http://" + silent.Addr().String()},
		{"no such host", "http://secretsmanager.invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := secretsmanager.New(secretsmanager.Options{
				Region: "us-east-1", BaseEndpoint: aws.String(tt.url),
				Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			})
			h := &Handler{Client: client, Strategy: &Database{}, Logger: slog.New(slog.DiscardHandler)}
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second) // the Lambda timeout
			defer cancel()
			err := h.Handle(ctx, Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: CreateSecret})
			if kindOf(err) != SecretsManagerUnreachable {
				t.Fatalf("createSecret: %v, want SecretsManagerUnreachable", err)
			}
			if ctx.Err() != nil {
				t.Errorf("the step ended after the Lambda deadline: %v", err)
			}
			for _, want := range []string{"DescribeSecret", "VPC endpoint", "NAT gateway", "Lambda timeout"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
