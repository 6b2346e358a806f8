package main

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// readMany calls read n times, spread over goroutines that start together,
// and returns the wall time from their start to the last read. It stops at
// the first error and returns it.
func readMany(ctx context.Context, n, goroutines int, read func(context.Context) error) (time.Duration, error) {
	g, ctx := errgroup.WithContext(ctx)
	start := make(chan struct{})
	for i := range goroutines {
		share := n / goroutines
		if i < n%goroutines {
			share++
		}
		g.Go(func() error {
			<-start
			for range share {
				if err := read(ctx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// The goroutines wait for start so that the timing covers the reads,
	// not the launching, and so that they all meet the cold cache at once.
	t0 := time.Now()
	close(start)
	err := g.Wait()
	return time.Since(t0), err
}

// nsPerRead is the mean wall time of one read of n that took elapsed.
func nsPerRead(elapsed time.Duration, n int) float64 {
	return float64(elapsed.Nanoseconds()) / float64(n)
}
