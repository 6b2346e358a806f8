package secretcache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
// fails, are fetched one by one. The returned error joins the failures of
// individual secrets; the others are cached regardless. Prefetching more
// secrets than MaxCacheSize evicts the ones fetched first.
func (c *Cache) Prefetch(ctx context.Context, secretIDs ...string) error {
	var todo []*slot
	for _, id := range slices.Compact(slices.Sorted(slices.Values(secretIDs))) {
		s, err := c.slotFor(id, "")
		if err != nil {
			return err
		}
		if s.val.Load() == nil {
			todo = append(todo, s)
		}
	}
	batcher, ok := c.Client.(BatchGetSecretValueAPIClient)
	if !ok || c.cfg.stage != DefaultVersionStage {
		return c.prefetchEach(ctx, todo)
	}
	var left []*slot
	var errs []error
	for chunk := range slices.Chunk(todo, batchSize) {
		rest, err := c.batch(ctx, batcher, chunk)
		left = append(left, rest...)
		errs = append(errs, err)
	}
	return errors.Join(append(errs, c.prefetchEach(ctx, left))...)
}

// prefetchEach fetches slots one by one through the shared load path.
func (c *Cache) prefetchEach(ctx context.Context, slots []*slot) error {
	var errs []error
	for _, s := range slots {
		if s.val.Load() != nil {
			continue
		}
		if _, err := c.wait(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// batch fetches one chunk with BatchGetSecretValue and stores what it
// returns. It returns the slots the response did not settle, all of them if
// the call itself failed (for lack of permission, say), and the failures the
// response reported for individual secrets.
func (c *Cache) batch(ctx context.Context, client BatchGetSecretValueAPIClient, chunk []*slot) ([]*slot, error) {
	if !c.enter() {
		return nil, ErrClosed
	}
	defer c.wg.Done()
	ids := make([]string, len(chunk))
	for i, s := range chunk {
		ids[i] = s.id
	}
	fctx, cancel := context.WithTimeout(c.ctx, c.cfg.fetchTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	c.stats.loads.Add(1)
	out, err := client.BatchGetSecretValue(fctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids})
	if err != nil {
		c.stats.loadErrors.Add(1)
		return chunk, nil
	}
	var left []*slot
	var errs []error
	for _, s := range chunk {
		if sv, ok := findBatchValue(out.SecretValues, s.id); ok {
			v, err := c.newValue(s.id, batchOutput(sv))
			s.settle(v, err)
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if e, ok := findBatchError(out.Errors, s.id); ok {
			err := fmt.Errorf("secretcache: fetch secret %q: %w", s.id, batchError(e))
			c.stats.loadErrors.Add(1)
			s.settle(nil, err)
			errs = append(errs, err)
			continue
		}
		left = append(left, s)
	}
	return left, errors.Join(errs...)
}

// findBatchValue matches a requested ID, which may be a name, a full ARN or a
// partial ARN (one without the six-character suffix), to a returned value.
func findBatchValue(values []types.SecretValueEntry, id string) (types.SecretValueEntry, bool) {
	for _, v := range values {
		arn, name := deref(v.ARN), deref(v.Name)
		if id == name || id == arn || (strings.HasPrefix(arn, id) && len(arn) == len(id)+7 && arn[len(id)] == '-') {
			return v, true
		}
	}
	return types.SecretValueEntry{}, false
}

func findBatchError(errs []types.APIErrorType, id string) (types.APIErrorType, bool) {
	for _, e := range errs {
		if deref(e.SecretId) == id {
			return e, true
		}
	}
	return types.APIErrorType{}, false
}

// batchError turns an error entry of a batch response into the error that
// GetSecretValue would have returned, so that errors.As finds the same SDK
// types either way.
func batchError(e types.APIErrorType) error {
	code, msg := deref(e.ErrorCode), e.Message
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
	return &smithy.GenericAPIError{Code: code, Message: deref(msg)}
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
