package testlog

import (
	"strings"
	"sync"
	"testing"
)

// TestBufferConcurrentWrites writes from several goroutines while another
// reads; under -race a Buffer without its lock fails here, and every
// write must be kept whole.
func TestBufferConcurrentWrites(t *testing.T) {
	t.Parallel()
	const writers, writes = 8, 100
	var b Buffer
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range writes {
				if n, err := b.Write([]byte("line\n")); n != 5 || err != nil {
					t.Errorf("Write: got %d, %v, want 5, nil", n, err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range writes {
			_ = b.String()
		}
	}()
	wg.Wait()
	if got, want := b.String(), strings.Repeat("line\n", writers*writes); got != want {
		t.Errorf("got %d bytes, want %d: every write kept whole", len(got), len(want))
	}
}
