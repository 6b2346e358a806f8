package secretcache

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// batchFake adds BatchGetSecretValue to fakeClient.
type batchFake struct {
	*fakeClient
	batches atomic.Int64
	deny    bool // answer every batch with AccessDenied
}

// BatchGetSecretValue answers from the versions as they are when the call
// arrives, then waits while the fake is held, as GetSecretValue does.
func (b *batchFake) BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	b.batches.Add(1)
	if b.deny {
		return nil, &types.ResourceNotFoundException{Message: aws.String("denied")}
	}
	if len(in.SecretIdList) > batchSize {
		return nil, fmt.Errorf("got %d ids, at most %d allowed", len(in.SecretIdList), batchSize)
	}
	out := &secretsmanager.BatchGetSecretValueOutput{}
	b.mu.Lock()
	gate := b.gate
	for _, id := range in.SecretIdList {
		v, ok := b.versions[id]["AWSCURRENT"]
		if !ok {
			out.Errors = append(out.Errors, types.APIErrorType{SecretId: aws.String(id), ErrorCode: aws.String("ResourceNotFoundException"), Message: aws.String("Secrets Manager can't find the specified secret.")})
			continue
		}
		out.SecretValues = append(out.SecretValues, types.SecretValueEntry{ARN: v.ARN, Name: v.Name, VersionId: v.VersionId, VersionStages: v.VersionStages, SecretString: v.SecretString})
	}
	b.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, nil
}

func TestPrefetchBatchesByTwenty(t *testing.T) {
	t.Parallel()
	b := &batchFake{fakeClient: newFake()}
	c, _, _ := newTestCache(t, func(c *Cache) { c.Client = b })
	var ids []string
	for i := range 45 {
		id := fmt.Sprint("secret-", i)
		b.put(id, "AWSCURRENT", "v1", "value-"+id)
		ids = append(ids, id)
	}
	ids = append(ids, "missing", ids[0]) // a failure and a duplicate
	err := c.Prefetch(context.Background(), ids...)
	if err == nil {
		t.Fatal("Prefetch: got nil, want an error for the missing secret")
	}
	if n := b.batches.Load(); n != 3 {
		t.Errorf("batch calls: got %d, want 3 for 46 distinct ids", n)
	}
	if n := b.calls.Load(); n != 0 {
		t.Errorf("GetSecretValue calls: got %d, want 0", n)
	}
	for _, id := range ids[:45] {
		if got, err := c.GetSecretString(id); err != nil || got != "value-"+id {
			t.Fatalf("%s: got %q, %v", id, got, err)
		}
	}
	if n := b.calls.Load(); n != 0 {
		t.Errorf("reads after Prefetch made %d calls, want 0", n)
	}
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("Prefetch error: got %v, want *types.ResourceNotFoundException reachable", err)
	}
	// The missing secret's failure is remembered like a failed load.
	if _, err := c.GetSecretString("missing"); !errors.As(err, &rnf) || b.calls.Load() != 0 {
		t.Errorf("missing secret: got %v after %d calls, want the remembered not-found error and no call", err, b.calls.Load())
	}
}

func TestPrefetchFallsBackToGetSecretValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		client func(*fakeClient) SecretsManagerAPIClient
	}{
		{"no batch support", func(f *fakeClient) SecretsManagerAPIClient { return f }},
		{"batch denied", func(f *fakeClient) SecretsManagerAPIClient { return &batchFake{fakeClient: f, deny: true} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			c, _, _ := newTestCache(t, func(c *Cache) { c.Client = tt.client(f) })
			f.put("a", "AWSCURRENT", "v1", "A")
			f.put("b", "AWSCURRENT", "v1", "B")
			if err := c.Prefetch(context.Background(), "a", "b"); err != nil {
				t.Fatal(err)
			}
			if n := f.calls.Load(); n != 2 {
				t.Errorf("GetSecretValue calls: got %d, want 2", n)
			}
			if got, _ := c.GetSecretString("b"); got != "B" || f.calls.Load() != 2 {
				t.Errorf("b: got %q after %d calls", got, f.calls.Load())
			}
		})
	}
}

func TestPrefetchSkipsCached(t *testing.T) {
	t.Parallel()
	b := &batchFake{fakeClient: newFake()}
	c, _, _ := newTestCache(t, func(c *Cache) { c.Client = b })
	b.put("a", "AWSCURRENT", "v1", "A")
	c.GetSecretString("a")
	if err := c.Prefetch(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if n := b.batches.Load(); n != 0 {
		t.Errorf("batch calls for a cached secret: got %d, want 0", n)
	}
}

func TestFindBatchValueMatchesNamesAndARNs(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
	values := []types.SecretValueEntry{{ARN: aws.String(arn), Name: aws.String("prod/db")}}
	tests := []struct {
		id   string
		want bool
	}{
		{"prod/db", true},
		{arn, true},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", true},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod", false},
		{"prod", false},
	}
	for _, tt := range tests {
		if _, got := findBatchValue(values, tt.id); got != tt.want {
			t.Errorf("findBatchValue(%q): got %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestLateBatchNeverOverwritesNewer: a batch answered before a rotation, or
// a deletion, is still in flight when Refresh is called; Refresh waits for
// it to land, then asks, and the cache ends with the newer state.
func TestLateBatchNeverOverwritesNewer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(f *fakeClient)
		want    string // the value after the late batch, or "" for the not-found error
		wantErr bool
	}{
		{"rotation", func(f *fakeClient) { f.put("db", "AWSCURRENT", "v2", "new") }, "new", false},
		{"deletion", func(f *fakeClient) { f.remove("db", "") }, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &batchFake{fakeClient: newFake()}
			c, _, _ := newTestCache(t, func(c *Cache) { c.Client = b })
			b.put("db", "AWSCURRENT", "v1", "old")
			release := b.hold()
			prefetched := make(chan error, 1)
			go func() { prefetched <- c.Prefetch(context.Background(), "db") }()
			eventually(t, "the batch is in flight", func() bool { return b.batches.Load() == 1 })
			tt.change(b.fakeClient)
			b.unhold()
			refreshed := make(chan error, 1)
			go func() { _, err := c.Refresh(context.Background(), "db", ""); refreshed <- err }()
			eventually(t, "Refresh waits for the batch to land", func() bool {
				s := c.ix.lookup("db", "")
				s.mu.Lock()
				defer s.mu.Unlock()
				return s.queued != nil
			})
			release()
			if err := <-refreshed; (err != nil) != tt.wantErr {
				t.Fatalf("Refresh: got %v, want error %v", err, tt.wantErr)
			}
			<-prefetched
			for range 3 {
				got, err := c.GetSecretString("db")
				if tt.wantErr {
					if !isGone(err) {
						t.Fatalf("after the late batch: got %q, %v; want the not-found error", got, err)
					}
					continue
				}
				if err != nil || got != tt.want {
					t.Fatalf("after the late batch: got %q, %v; want %q", got, err, tt.want)
				}
			}
		})
	}
}

// TestReadsDuringPrefetchJoinIt: a read of a secret that Prefetch is
// fetching waits for the batch instead of calling on its own.
func TestReadsDuringPrefetchJoinIt(t *testing.T) {
	t.Parallel()
	b := &batchFake{fakeClient: newFake()}
	c, _, _ := newTestCache(t, func(c *Cache) { c.Client = b })
	b.put("db", "AWSCURRENT", "v1", "value")
	release := b.hold()
	prefetched := make(chan error, 1)
	go func() { prefetched <- c.Prefetch(context.Background(), "db") }()
	eventually(t, "the batch is in flight", func() bool { return b.batches.Load() == 1 })
	read := make(chan string, 1)
	go func() { got, _ := c.GetSecretString("db"); read <- got }()
	eventually(t, "the read waits", func() bool { return c.Stats().Misses == 1 })
	release()
	if got := <-read; got != "value" {
		t.Errorf("read: got %q, want value", got)
	}
	if err := <-prefetched; err != nil {
		t.Fatal(err)
	}
	if n := b.calls.Load(); n != 0 {
		t.Errorf("GetSecretValue calls: got %d, want 0", n)
	}
}

// orderedBatchClient answers BatchGetSecretValue with entries in the order
// it is given, whatever was asked: the service does not promise an order.
type orderedBatchClient struct {
	SecretsManagerAPIClient
	entries []*secretsmanager.GetSecretValueOutput
}

func (o orderedBatchClient) BatchGetSecretValue(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	out := &secretsmanager.BatchGetSecretValueOutput{}
	for _, e := range o.entries {
		out.SecretValues = append(out.SecretValues, types.SecretValueEntry{ARN: e.ARN, Name: e.Name,
			VersionId: e.VersionId, VersionStages: e.VersionStages, SecretString: e.SecretString})
	}
	return out, nil
}

func (o orderedBatchClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	for _, e := range o.entries {
		if aws.ToString(e.ARN) == aws.ToString(in.SecretId) || aws.ToString(e.Name) == aws.ToString(in.SecretId) {
			return e, nil
		}
	}
	return nil, errOutage
}

// TestPrefetchNeverCachesAnotherSecret: secret "db" has the full ARN
// …:secret:db-AbCdEf; another secret is named "db-AbCdEf" (a name AWS
// allows), so its ARN is …:secret:db-AbCdEf-XyZ123, which looks like a
// full ARN whose partial form is db's full ARN. Prefetching both, with the
// other secret's entry first in the answer, must still cache each secret's
// own value under its own ID: an exact match wins over a partial one.
func TestPrefetchNeverCachesAnotherSecret(t *testing.T) {
	t.Parallel()
	const prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	db := &secretsmanager.GetSecretValueOutput{ARN: aws.String(prefix + "db-AbCdEf"), Name: aws.String("db"),
		VersionId: aws.String("v1"), VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("db-value")}
	other := &secretsmanager.GetSecretValueOutput{ARN: aws.String(prefix + "db-AbCdEf-XyZ123"), Name: aws.String("db-AbCdEf"),
		VersionId: aws.String("v1"), VersionStages: []string{"AWSCURRENT"}, SecretString: aws.String("other-value")}
	c, _, _ := newTestCache(t, func(c *Cache) {
		c.Client = orderedBatchClient{entries: []*secretsmanager.GetSecretValueOutput{other, db}}
	})
	if err := c.Prefetch(context.Background(), prefix+"db-AbCdEf", "db-AbCdEf"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetSecretString(prefix + "db-AbCdEf"); got != "db-value" {
		t.Errorf("db, by its full ARN: got %q, want db-value", got)
	}
	if got, _ := c.GetSecretString("db-AbCdEf"); got != "other-value" {
		t.Errorf("db-AbCdEf, by name: got %q, want other-value", got)
	}
}
