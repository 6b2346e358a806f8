package secretcache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// batchSize is the most secrets BatchGetSecretValue returns for one list.
const batchSize = 20

// Prefetch loads the configured stage of each of secretIDs that is not cached
// yet, so that later reads are hits; a service calls it at start-up. When the
// configured stage is AWSCURRENT and Client implements
// BatchGetSecretValueAPIClient, it asks for 20 secrets per call (this needs
// secretsmanager:BatchGetSecretValue permission besides GetSecretValue);
// secrets the batch does not return, and every secret when the batch call
// fails, are fetched one by one. Reads of those secrets while Prefetch runs
// wait for its fetches instead of starting their own.
//
// The returned error joins the failures of individual secrets; the others
// are cached regardless. An empty ID fails the whole call before anything
// is fetched, and so does a ctx that is already done. When ctx ends while
// fetches are under way, Prefetch returns its error and the fetches go on,
// their answers cached. Prefetching more secrets than MaxCacheSize evicts
// the ones fetched first. Answers are ordered with every other fetch of the
// same secret: a batch that started before a RefreshNow never overwrites
// what the RefreshNow stored.
func (c *Cache) Prefetch(ctx context.Context, secretIDs ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("secretcache: prefetch: %w", err)
	}
	if c.closed.Load() {
		return ErrClosed
	}
	if slices.Contains(secretIDs, "") {
		return errEmptyID()
	}
	var slots []*slot
	for _, id := range slices.Compact(slices.Sorted(slices.Values(secretIDs))) {
		s, err := c.slotFor(id, "")
		if err != nil {
			return err
		}
		slots = append(slots, s)
	}
	// From the first join to fetchAll nothing returns early: a fetch
	// registered in a slot must run, or fail, for every caller that joins it.
	var waits []*call
	var todo []pending
	now := c.clock.Now()
	for _, s := range slots {
		if s.val.Load() != nil {
			continue
		}
		cl, start, err := s.join(true)
		for err == errEvicted { // evicted by a slot this call added: add it back
			if s, err = c.slotFor(s.id, s.stage); err == nil {
				cl, start, err = s.join(true)
			}
		}
		if err != nil { // the cache closed
			cl, start = newCall(true), false
			cl.complete(outcome{err: err})
		}
		waits = append(waits, cl)
		if start {
			todo = append(todo, pending{s, cl})
		}
	}
	c.fetchAll(todo, now)
	var errs []error
	for _, cl := range waits {
		select {
		case <-cl.done:
			errs = append(errs, cl.o.err)
		case <-ctx.Done():
			return fmt.Errorf("secretcache: prefetch: %w", ctx.Err())
		}
	}
	return errors.Join(errs...)
}

// pending is a fetch registered in a slot that Prefetch must perform.
type pending struct {
	s  *slot
	cl *call
}

// fetchAll performs todo, starting at start, in the background: by batches
// when the client can, else, and for whatever a batch does not settle, one
// by one.
func (c *Cache) fetchAll(todo []pending, start time.Time) {
	batcher, ok := c.Client.(BatchGetSecretValueAPIClient)
	if !ok || c.cfg.stage != DefaultVersionStage {
		for _, p := range todo {
			c.launch(p.s, p.cl, false, start)
		}
		return
	}
	// A slot that replaced an evicted one of the same key with a fetch
	// still in flight must wait for that fetch (see slot), and a batch must
	// never wait: it holds the fetches of all its slots, which other
	// fetches may be waiting for. Such slots are fetched on their own.
	var batched []pending
	for _, p := range todo {
		if p.s.prev.Load() != nil {
			c.launch(p.s, p.cl, false, start)
		} else {
			batched = append(batched, p)
		}
	}
	for chunk := range slices.Chunk(batched, batchSize) {
		if !c.enter() {
			for _, p := range chunk {
				c.launchNext(p.s, p.s.abandon(p.cl, ErrClosed))
			}
			continue
		}
		go func() {
			defer c.exit()
			for _, p := range c.batch(batcher, chunk, start) {
				c.launch(p.s, p.cl, false, start)
			}
		}()
	}
}

// batch fetches one chunk with BatchGetSecretValue and settles what the
// answer holds, values and per-secret errors alike. It returns the fetches
// the answer did not settle: all of them if the call itself failed (for
// lack of permission, say).
func (c *Cache) batch(client BatchGetSecretValueAPIClient, chunk []pending, start time.Time) []pending {
	ids := make([]string, len(chunk))
	for i, p := range chunk {
		ids[i] = p.s.id
	}
	ctx := c.fetchContext()
	c.stats.loads.Add(1)
	seq := c.seq.Add(1)
	returned := false
	defer func() {
		if returned {
			return
		}
		// The client or the hook ended the goroutine (runtime.Goexit):
		// release what the batch had not settled, as fetchInto does.
		for _, p := range chunk {
			select {
			case <-p.cl.done:
			default:
				c.finish(p.s, p.cl, seq, nil, errGoexit, start)
			}
		}
	}()
	out, err := c.batchGetSecretValue(ctx, client, ids)
	if err != nil || out == nil {
		c.stats.loadErrors.Add(1)
		returned = true
		return chunk
	}
	var left []pending
	for _, p := range chunk {
		if sv, ok := findBatchValue(out.SecretValues, p.s.id); ok {
			var v *value
			err := errStageMissing(p.s.id, p.s.stage)
			if slices.Contains(sv.VersionStages, p.s.stage) {
				v, err = c.newValue(p.s.id, batchOutput(sv))
			}
			c.finish(p.s, p.cl, seq, v, err, start)
			continue
		}
		if e, ok := findBatchError(out.Errors, p.s.id); ok {
			c.stats.loadErrors.Add(1)
			c.finish(p.s, p.cl, seq, nil, fetchError(p.s.id, p.s.stage, batchError(e)), start)
			continue
		}
		left = append(left, p)
	}
	returned = true
	return left
}

func (c *Cache) batchGetSecretValue(ctx context.Context, client BatchGetSecretValueAPIClient, ids []string) (out *secretsmanager.BatchGetSecretValueOutput, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, newPanicError(p)
		}
	}()
	return client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids})
}

// findBatchValue matches a requested ID, which may be a name, a full ARN or a
// partial ARN (one without the six-character suffix), to a returned value.
// An exact match of name or ARN wins; a partial-ARN match counts only if it
// is the only one, since "db" is the partial ARN of a secret named "db" and
// a prefix of the ARN of one named "db-AbCdEf".
func findBatchValue(values []types.SecretValueEntry, id string) (types.SecretValueEntry, bool) {
	var partial []types.SecretValueEntry
	for _, v := range values {
		arn, name := aws.ToString(v.ARN), aws.ToString(v.Name)
		if id == name || id == arn {
			return v, true
		}
		if strings.HasPrefix(arn, id) && len(arn) == len(id)+7 && arn[len(id)] == '-' {
			partial = append(partial, v)
		}
	}
	if len(partial) == 1 {
		return partial[0], true
	}
	return types.SecretValueEntry{}, false
}

func findBatchError(errs []types.APIErrorType, id string) (types.APIErrorType, bool) {
	for _, e := range errs {
		if aws.ToString(e.SecretId) == id {
			return e, true
		}
	}
	return types.APIErrorType{}, false
}

// batchError turns an error entry of a batch response into the error that
// GetSecretValue would have returned, so that errors.As finds the same SDK
// types either way.
func batchError(e types.APIErrorType) error {
	code, msg := aws.ToString(e.ErrorCode), e.Message
	switch code {
	case "ResourceNotFoundException":
		return &types.ResourceNotFoundException{Message: msg}
	case "DecryptionFailure":
		return &types.DecryptionFailure{Message: msg}
	case "InvalidParameterException":
		return &types.InvalidParameterException{Message: msg}
	case "InvalidRequestException":
		return &types.InvalidRequestException{Message: msg}
	case "InternalServiceError":
		return &types.InternalServiceError{Message: msg}
	}
	return &smithy.GenericAPIError{Code: code, Message: aws.ToString(msg)}
}

func batchOutput(v types.SecretValueEntry) *secretsmanager.GetSecretValueOutput {
	return &secretsmanager.GetSecretValueOutput{
		ARN:           v.ARN,
		Name:          v.Name,
		VersionId:     v.VersionId,
		VersionStages: v.VersionStages,
		CreatedDate:   v.CreatedDate,
		SecretString:  v.SecretString,
		SecretBinary:  v.SecretBinary,
	}
}
