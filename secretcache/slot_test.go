package secretcache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// TestSettleAppliesOnlyNewerAnswers drives settle directly with answers
// arriving out of order: whatever order fetches finish in, the slot ends up
// with the answer of the one that started last.
func TestSettleAppliesOnlyNewerAnswers(t *testing.T) {
	t.Parallel()
	gone := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	val := func(id string) *value { return &value{meta: Version{VersionID: id}} }
	type answer struct {
		seq uint64
		v   *value
		err error
	}
	tests := []struct {
		name        string
		answers     []answer
		wantVersion string // "" for no value
		wantErr     error
	}{
		{"newer value, then older value", []answer{{2, val("v2"), nil}, {1, val("v1"), nil}}, "v2", nil},
		{"deletion, then an older value", []answer{{3, nil, gone}, {2, val("v1"), nil}}, "", gone},
		{"value, then an older failure", []answer{{2, val("v2"), nil}, {1, nil, errOutage}}, "v2", nil},
		{"older value, then a newer deletion", []answer{{1, val("v1"), nil}, {2, nil, gone}}, "", gone},
		{"value, then a newer failure keeps it", []answer{{1, val("v1"), nil}, {2, nil, errOutage}}, "v1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, clk := newTestCache(t, nil)
			s := newSlot("db", "AWSCURRENT")
			for _, a := range tt.answers {
				s.settle(c, a.seq, a.v, a.err, clk.Now(), newCall(false))
			}
			v := s.val.Load()
			switch {
			case tt.wantVersion == "" && v != nil:
				t.Errorf("got version %q, want none", v.meta.VersionID)
			case tt.wantVersion != "" && (v == nil || v.meta.VersionID != tt.wantVersion):
				t.Errorf("got %+v, want version %q", v, tt.wantVersion)
			}
			s.mu.Lock()
			err := s.remembered(c)
			s.mu.Unlock()
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("remembered: got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestIsGone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{&types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}, true},
		{&types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for staging label: AWSPENDING")}, true},
		{&types.InvalidRequestException{Message: aws.String("You can't perform this operation on the secret because it was marked for deletion.")}, true},
		{&types.InvalidRequestException{Message: aws.String("You provided a VersionStage that is not associated to the provided VersionId.")}, false},
		{&types.InternalServiceError{Message: aws.String("internal")}, false},
		{&types.DecryptionFailure{Message: aws.String("kms")}, false},
		{errOutage, false},
	}
	for _, tt := range tests {
		if got := isGone(fetchError("db", "AWSCURRENT", tt.err)); got != tt.want {
			t.Errorf("isGone(%v): got %v, want %v", tt.err, got, tt.want)
		}
	}
}

var errMarkedForDeletion = &types.InvalidRequestException{Message: aws.String("You can't perform this operation on the secret because it was marked for deletion.")}

// TestScheduledDeletionStopsServing: a secret deleted with a recovery
// window answers InvalidRequestException; the cache drops its value as it
// does for not-found, in the background and with SynchronousRefresh.
func TestScheduledDeletionStopsServing(t *testing.T) {
	t.Parallel()
	for _, sync := range []bool{false, true} {
		name := map[bool]string{false: "background", true: "synchronous"}[sync]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, f, clk := newTestCache(t, func(c *Cache) {
				c.CacheItemTTL = int64(time.Minute)
				c.SynchronousRefresh = sync
			})
			f.put("db", "AWSCURRENT", "v1", hunter)
			if _, err := c.GetSecretString("db"); err != nil {
				t.Fatal(err)
			}
			f.fail(errMarkedForDeletion)
			clk.Advance(time.Minute)
			got, err := c.GetSecretString("db") // starts the refresh, or waits for it
			if sync && err == nil {
				t.Fatalf("synchronous refresh of a deleted secret: got %q, want its error", got)
			}
			eventually(t, "the deletion is seen", func() bool {
				_, err := c.GetSecretString("db")
				var ir *types.InvalidRequestException
				return errors.As(err, &ir)
			})
			calls := f.calls.Load()
			for range 10 {
				if _, err := c.GetSecretString("db"); err == nil {
					t.Fatal("a secret scheduled for deletion is served")
				}
			}
			if n := f.calls.Load() - calls; n != 0 {
				t.Errorf("calls within the retry delay: got %d, want 0: the error is remembered", n)
			}
		})
	}
}

func TestSynchronousRefreshOfRemovedLabelReturnsTheError(t *testing.T) {
	t.Parallel()
	c, f, clk := newTestCache(t, func(c *Cache) {
		c.CacheItemTTL = int64(time.Minute)
		c.SynchronousRefresh = true
	})
	f.put("db", "AWSPENDING", "v2", "pending")
	if _, err := c.GetSecretStringWithStageWithContext(context.Background(), "db", "AWSPENDING"); err != nil {
		t.Fatal(err)
	}
	f.remove("db", "AWSPENDING")
	clk.Advance(time.Minute)
	got, err := c.GetSecretStringWithStage("db", "AWSPENDING")
	var vnf *VersionNotFoundError
	if !errors.As(err, &vnf) {
		t.Fatalf("got %q, %v; want *VersionNotFoundError, not the dropped value", got, err)
	}
}
