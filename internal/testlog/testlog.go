// Package testlog captures what the goroutines of a test log. Its Buffer is
// what a test gives a logger (slog.NewJSONHandler, a Lambda runtime's
// stdout) when the code under test logs from goroutines of its own while
// the test reads: a bare bytes.Buffer would be a data race there.
//
// # Concurrency
//
// A Buffer's methods may be called from any number of goroutines at once.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer for concurrent writers and readers. Its zero
// value is empty and ready to use; it must not be copied after first use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

// Write appends p; it never fails.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
