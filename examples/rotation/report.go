package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// phase is a phase's name and what happened during it.
type phase struct {
	name string
	counts
}

// counts are the counters at one moment, or their changes over a phase.
type counts struct {
	queries int64
	errors  int64
	byUser  map[string]int64 // queries served per user
	opened  int64            // connections the Connector opened
	failed  int64            // Connects that failed
	logins  int64            // login attempts, counted by the relay
	calls   int              // GetSecretValue requests Secrets Manager received from the workload
}

// refused is how many login attempts the database refused.
func (c counts) refused() int64 { return c.logins - c.opened }

func (c counts) since(prev counts) counts {
	d := counts{
		queries: c.queries - prev.queries,
		errors:  c.errors - prev.errors,
		byUser:  make(map[string]int64),
		opened:  c.opened - prev.opened,
		failed:  c.failed - prev.failed,
		logins:  c.logins - prev.logins,
		calls:   c.calls - prev.calls,
	}
	for u, n := range c.byUser {
		if n -= prev.byUser[u]; n > 0 {
			d.byUser[u] = n
		}
	}
	return d
}

// snapshot reads every counter. It holds back new logins for as long as
// those in flight take to end, a few milliseconds.
func (st *story) snapshot() counts {
	st.conn.quiet.Lock()
	defer st.conn.quiet.Unlock()
	st.wl.mu.Lock()
	defer st.wl.mu.Unlock()
	return counts{
		queries: st.wl.queries.Load(),
		byUser:  maps.Clone(st.wl.byUser),
		errors:  st.wl.errors.Load(),
		opened:  st.conn.opened.Load(),
		failed:  st.conn.failed.Load(),
		logins:  st.relay.dials.Load(),
		calls:   st.srv.Calls("GetSecretValue") - int(st.rotationReads.Load()),
	}
}

// report prints the phases as a table.
func (st *story) report() {
	fmt.Fprintln(st.w)
	tw := tabwriter.NewWriter(st.w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tqueries\terrors\tconnections\tlogins\trefused\tGetSecretValue\t  served as\t")
	for _, p := range st.facts.phases {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t  %s\t\n",
			p.name, p.queries, p.errors, p.opened, p.logins, p.refused(), p.calls, users(p.byUser))
	}
	tw.Flush()
	if st.facts.firstErr != nil {
		fmt.Fprintf(st.w, "first error: %v\n", st.facts.firstErr)
	}
}

// users lists the users that served queries, with their counts.
func users(byUser map[string]int64) string {
	var list []string
	for _, u := range slices.Sorted(maps.Keys(byUser)) {
		list = append(list, fmt.Sprintf("%s (%d)", u, byUser[u]))
	}
	return strings.Join(list, ", ")
}
