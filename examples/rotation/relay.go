package main

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// relay is a TCP relay in front of the database server that counts the
// connections made through it. The secret points at the relay, so each
// connection is one login attempt of the Connector, accepted or refused,
// which neither database/sql nor the server reports directly.
type relay struct {
	ln     net.Listener
	target string

	dials atomic.Int64 // connections accepted

	mu    sync.Mutex
	conns map[net.Conn]struct{} // open connections, guarded by mu; nil once closed
	wg    sync.WaitGroup        // the accept loop and every pipe
}

// startRelay listens on a free loopback port and relays to target.
func startRelay(target string) (*relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &relay{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// addr returns the relay's host and port.
func (r *relay) addr() *net.TCPAddr { return r.ln.Addr().(*net.TCPAddr) }

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		r.dials.Add(1)
		r.wg.Add(1)
		go r.pipe(c)
	}
}

// pipe copies between the client c and a new connection to the server
// until either side closes.
func (r *relay) pipe(c net.Conn) {
	defer r.wg.Done()
	up, err := net.Dial("tcp", r.target)
	if err != nil {
		c.Close()
		return
	}
	if !r.track(c, up) {
		return
	}
	done := make(chan struct{})
	go func() {
		io.Copy(up, c)
		up.Close()
		close(done)
	}()
	io.Copy(c, up)
	c.Close()
	<-done
	r.untrack(c, up)
}

// track records open connections so that close can end them; it closes
// them and reports false if the relay is closed already.
func (r *relay) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		r.conns[c] = struct{}{}
	}
	return true
}

func (r *relay) untrack(conns ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range conns {
		delete(r.conns, c)
	}
}

// close stops accepting, ends every relayed connection and waits for the
// relay's goroutines.
func (r *relay) close() {
	r.ln.Close()
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.conns = nil
	r.mu.Unlock()
	r.wg.Wait()
}
