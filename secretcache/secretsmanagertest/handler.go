package secretsmanagertest

import "net/http"

// The paths of the endpoints Handler serves besides the API, for test
// suites that drive the server from outside Go.
const (
	// ResetPath answers a POST by calling Reset: 200 when done, 500 with
	// the error if a seed was refused.
	ResetPath = "/_secretsmanagertest/reset"
	// HealthPath answers a GET with 200 while the server serves.
	HealthPath = "/_secretsmanagertest/health"
)

// Handler returns the server's HTTP handler: the Secrets Manager API (AWS
// JSON 1.1, POST with X-Amz-Target) at every path but ResetPath and
// HealthPath. Serve it from an http.Server of your own to put the emulator
// behind TLS or in a larger test fixture; requests it serves are counted,
// delayed and faulted like those on URL.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ResetPath, func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Reset(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"reset":true}` + "\n"))
	})
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("/", s.serveAPI)
	return mux
}

// Reset returns the server to the state it started in, for test suites
// that share one server: every secret of every region is removed, with its
// rotation function (a running rotation is cancelled, and waited for), the
// secrets of WithSeed are created again, and call counts, latencies and
// faults are cleared. Requests served during Reset see the state before or
// after it.
func (s *Server) Reset() error {
	s.store.mu.Lock()
	var running []*rotationRun
	for _, secrets := range s.store.secrets {
		for _, sec := range secrets {
			if r := sec.rot.run; r != nil && !r.ended() {
				r.cancel()
				running = append(running, r)
			}
		}
	}
	s.store.mu.Unlock()
	for _, r := range running {
		<-r.done
	}

	s.store.mu.Lock()
	s.store.secrets = make(map[string]map[string]*secret)
	err := s.seed()
	s.store.mu.Unlock()

	s.controls.reset()
	s.ClearFaults()
	return err
}
