package secretsmanagertest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestFaultKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind     secretsmanagertest.FaultKind
		wantCode string
		wantType any // nil when the SDK has no type for the code
	}{
		{secretsmanagertest.Throttling, "ThrottlingException", nil},
		{secretsmanagertest.InternalError, "InternalServiceError", new(*types.InternalServiceError)},
		{secretsmanagertest.AccessDenied, "AccessDeniedException", nil},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "s", "one")
			srv.InjectFault("GetSecretValue", secretsmanagertest.Fault{Kind: tt.kind, Count: 1})

			_, err := getString(t, c, "s", "")
			if got := errorCode(err); got != tt.wantCode {
				t.Fatalf("error code: got %q (%v), want %q", got, err, tt.wantCode)
			}
			if tt.wantType != nil && !errors.As(err, tt.wantType) {
				t.Errorf("got %T, want %T", err, tt.wantType)
			}
			if _, err := getString(t, c, "s", ""); err != nil {
				t.Errorf("after the one fault: got %v, want success", err)
			}
			if got := srv.Calls("GetSecretValue"); got != 2 {
				t.Errorf("calls: got %d, want 2 (retries must be off)", got)
			}
		})
	}
}

func TestFaultTimeout(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	srv.InjectFault("GetSecretValue", secretsmanagertest.Fault{Kind: secretsmanagertest.Timeout})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GetSecretValue(ctx, getInput("s"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
}

func TestFaultCountAndClear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		op    string
		count int
		clear bool
		// want lists, per call, whether it fails.
		want []bool
	}{
		{name: "count 2", op: "GetSecretValue", count: 2, want: []bool{true, true, false}},
		{name: "until cleared", op: "GetSecretValue", want: []bool{true, true, true, true}},
		{name: "cleared", op: "GetSecretValue", clear: true, want: []bool{false}},
		{name: "all operations", op: secretsmanagertest.AllOperations, count: 1, want: []bool{true, false}},
		{name: "other operation", op: "PutSecretValue", want: []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "s", "one")
			srv.InjectFault(tt.op, secretsmanagertest.Fault{Kind: secretsmanagertest.Throttling, Count: tt.count})
			if tt.clear {
				srv.ClearFaults()
			}
			for i, wantFail := range tt.want {
				_, err := getString(t, c, "s", "")
				if got := err != nil; got != wantFail {
					t.Errorf("call %d failed: got %v (%v), want %v", i+1, got, err, wantFail)
				}
			}
		})
	}
}

func TestFaultedRequestChangesNothing(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "s", "one")
	srv.InjectFault("PutSecretValue", secretsmanagertest.Fault{Kind: secretsmanagertest.InternalError, Count: 1})
	if _, err := c.PutSecretValue(context.Background(), putInput("s", "two")); err == nil {
		t.Fatal("PutSecretValue: got nil error, want the injected fault")
	}
	out, err := getString(t, c, "s", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := *out.SecretString; got != "one" {
		t.Errorf("value: got %q, want %q", got, "one")
	}
}

func TestInjectFaultPanics(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	tests := []struct {
		name string
		op   string
		f    secretsmanagertest.Fault
	}{
		{"unknown operation", "GetSecretValues", secretsmanagertest.Fault{Kind: secretsmanagertest.Throttling}},
		{"zero kind", "GetSecretValue", secretsmanagertest.Fault{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("InjectFault(%q, %+v): got no panic, want one", tt.op, tt.f)
				}
			}()
			srv.InjectFault(tt.op, tt.f)
		})
	}
}

func TestFaultKindString(t *testing.T) {
	t.Parallel()
	if got, want := secretsmanagertest.FaultKind(42).String(), "FaultKind(42)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
