package secretcache

import "sync/atomic"

// gate counts the fetches, goroutines and armed timers a cache runs, so that
// Close can wait for them, and refuses new ones once closed. It does with
// one atomic word what a sync.WaitGroup behind a mutex would: enter is on
// every miss, and must not serialise misses on a lock.
type gate struct {
	// state is twice the number of entries, plus 1 once closed. It only
	// changes by atomic operations.
	state atomic.Int64
	done  chan struct{} // closed once the gate is closed and empty
}

func newGate() *gate { return &gate{done: make(chan struct{})} }

// enter registers one more piece of work, unless the gate is closed.
func (g *gate) enter() bool {
	for {
		s := g.state.Load()
		if s&1 != 0 {
			return false
		}
		if g.state.CompareAndSwap(s, s+2) {
			return true
		}
	}
}

// exit ends a piece of work that entered.
func (g *gate) exit() {
	if g.state.Add(-2) == 1 { // closed, and that was the last
		close(g.done)
	}
}

// close refuses new work and waits for the work that entered. Only one
// caller may close a gate; Cache.Close ensures it with a sync.Once.
func (g *gate) close() {
	if g.state.Or(1) == 0 { // nothing had entered
		close(g.done)
	}
	<-g.done
}
