package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/secretcache"
)

// readReal reads opts.secretID from AWS Secrets Manager through a cache with
// the default settings, as a service would build it, and reports what the
// reads cost. It prints the value's length, never the value.
func readReal(ctx context.Context, w io.Writer, opts options) error {
	client, err := newClient(ctx, opts)
	if err != nil {
		return err
	}
	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = client })
	if err != nil {
		return err
	}
	defer cache.Close()

	id := opts.secretID
	binary := false
	elapsed, err := readMany(ctx, opts.reads, opts.goroutines, func(ctx context.Context) error {
		_, err := cache.GetSecretStringWithContext(ctx, id)
		return err
	})
	var opErr *secretcache.InvalidOperationError
	if errors.As(err, &opErr) {
		// The secret holds SecretBinary. It is cached already, so this
		// second round costs no call.
		binary = true
		elapsed, err = readMany(ctx, opts.reads, opts.goroutines, func(ctx context.Context) error {
			_, err := cache.GetSecretBinaryWithContext(ctx, id)
			return err
		})
	}
	if err != nil {
		return err
	}
	length, err := valueLength(ctx, cache, id, binary)
	if err != nil {
		return err
	}
	meta, err := cache.GetVersion(ctx, id, "")
	if err != nil {
		return err
	}

	s := cache.Stats()
	fmt.Fprintf(w, "secretcache quickstart: %s from Secrets Manager in %s\n", meta.Name, client.Options().Region)
	fmt.Fprintf(w, "   reads served:          %d (%d goroutines)\n", opts.reads, opts.goroutines)
	fmt.Fprintf(w, "   GetSecretValue calls:  %d\n", s.Loads)
	fmt.Fprintf(w, "   mean time per read:    %.1f ns (%v in all, first fetch included)\n", nsPerRead(elapsed, opts.reads), elapsed.Round(time.Microsecond))
	fmt.Fprintf(w, "   cached:                version %s, %d bytes\n", meta.VersionID, length)
	fmt.Fprintf(w, "   cache.Stats():         hits %d, misses %d, loads %d, load errors %d\n", s.Hits, s.Misses, s.Loads, s.LoadErrors)
	return nil
}

// newClient builds a Secrets Manager client from the standard AWS
// configuration (environment, shared files, SSO, IRSA, instance role), with
// the region and endpoint of opts when given.
func newClient(ctx context.Context, opts options) (*secretsmanager.Client, error) {
	var loadOpts []func(*config.LoadOptions) error
	if opts.region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: pass -region or set AWS_REGION")
	}
	// AppendUserAgent tags the requests as secretcache.New does for the
	// client it builds.
	return secretsmanager.NewFromConfig(cfg, secretcache.AppendUserAgent, func(o *secretsmanager.Options) {
		if opts.endpoint != "" {
			o.BaseEndpoint = aws.String(opts.endpoint)
		}
	}), nil
}

// valueLength returns the length of the cached value of id, the one thing
// about it the quickstart prints.
func valueLength(ctx context.Context, cache *secretcache.Cache, id string, binary bool) (int, error) {
	if binary {
		b, err := cache.GetSecretBinaryWithContext(ctx, id)
		return len(b), err
	}
	s, err := cache.GetSecretStringWithContext(ctx, id)
	return len(s), err
}
