package hook

import (
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func TestFuncsNilIsIdentity(t *testing.T) {
	t.Parallel()
	in := &secretsmanager.GetSecretValueOutput{}
	var f Funcs
	if got := f.Put(in); got != in {
		t.Errorf("Put: got %v, want the input back", got)
	}
	if got := f.Get(in); got != in {
		t.Errorf("Get: got %v, want the input back", got)
	}
}

func TestFuncsCallsItsFunctions(t *testing.T) {
	t.Parallel()
	var puts, gets atomic.Int64
	f := Funcs{
		PutFunc: func(d any) any { puts.Add(1); return d },
		GetFunc: func(d any) any { gets.Add(1); return d },
	}
	c, srv := newCache(t, f)
	if _, err := srv.CreateSecret("app/db", plaintext); err != nil {
		t.Fatal(err)
	}
	const reads = 5
	for range reads {
		if got, err := c.GetSecretString("app/db"); err != nil || got != plaintext {
			t.Fatalf("got %q, %v; want %q, nil", got, err, plaintext)
		}
	}
	if got := puts.Load(); got != 1 {
		t.Errorf("got %d Puts, want 1 (one fetch)", got)
	}
	if got := gets.Load(); got != reads {
		t.Errorf("got %d Gets, want %d (one per read)", got, reads)
	}
}
