package secretsmanagertest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestSecretIDResolution(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	arn := mustCreate(t, srv, "team/app", "v1")
	partial := arn[:len(arn)-7]
	// A different random suffix names another secret, not this one.
	wrongSuffix := partial + "-zzzzzz"
	if wrongSuffix == arn {
		wrongSuffix = partial + "-yyyyyy"
	}

	tests := []struct {
		name, id string
		found    bool
	}{
		{"name", "team/app", true},
		{"full ARN", arn, true},
		{"partial ARN", partial, true},
		{"ARN with wrong suffix", wrongSuffix, false},
		{"name prefix", "team", false},
		{"ARN of another account", strings.Replace(arn, "123456789012", "999999999999", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := getString(t, c, tt.id, "")
			if !tt.found {
				var nf *types.ResourceNotFoundException
				if !errors.As(err, &nf) {
					t.Fatalf("got %v, want *types.ResourceNotFoundException", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetSecretValue(%q): %v", tt.id, err)
			}
			if got := aws.ToString(out.Name); got != "team/app" {
				t.Errorf("Name: got %q, want %q", got, "team/app")
			}
		})
	}
}

func TestARNShape(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	arn := mustCreate(t, srv, "shape", "v")
	const prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shape-"
	if !strings.HasPrefix(arn, prefix) || len(arn) != len(prefix)+6 {
		t.Errorf("ARN: got %q, want %q followed by 6 characters", arn, prefix)
	}
}
