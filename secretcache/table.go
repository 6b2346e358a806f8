package secretcache

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// table maps (secret ID, staging label) pairs to slots for the hit path. It
// is a fixed array of buckets chosen by a hash of the secret ID, each with
// four cells that hold a slot or nothing, and a rarely used overflow list:
//
//   - a lookup hashes the ID and scans its bucket's cells with atomic loads,
//     taking no lock and allocating nothing;
//   - writers hold index.mu and change one cell with one atomic store (or
//     replace the overflow list whole), so a lookup sees each cell before or
//     after a write, never during one, and a pair is in at most one cell.
//
// The bucket count is fixed for the cache's life: MaxCacheSize, which
// bounds the slots, rounded up to a power of two, so that a lookup compares
// about one slot, at most 131,072 (40 bytes each). All the stages of one
// secret share a bucket.
//
// It replaces a sync.Map, whose lookups cost half as much again, and whose
// writes allocate, with keys that would have to be boxed in interfaces.
type table struct {
	seed    maphash.Seed
	mask    uint64
	buckets []bucket
}

type bucket struct {
	cells [4]atomic.Pointer[slot]
	over  atomic.Pointer[[]*slot] // slots that found no free cell; immutable once stored
}

func newTable(size int) *table {
	n := 1 << min(max(bits.Len(uint(size-1)), 4), 17) // 16 to 131,072 buckets
	return &table{seed: maphash.MakeSeed(), mask: uint64(n - 1), buckets: make([]bucket, n)}
}

func (t *table) bucket(id string) *bucket {
	return &t.buckets[maphash.String(t.seed, id)&t.mask]
}

// lookup returns the slot of (id, stage), or nil.
func (t *table) lookup(id, stage string) *slot {
	b := t.bucket(id)
	for i := range b.cells {
		if s := b.cells[i].Load(); s != nil && s.id == id && s.stage == stage {
			return s
		}
	}
	if over := b.over.Load(); over != nil {
		for _, s := range *over {
			if s.id == id && s.stage == stage {
				return s
			}
		}
	}
	return nil
}

// put adds s, whose pair the table does not hold. The caller holds
// index.mu.
func (t *table) put(s *slot) {
	b := t.bucket(s.id)
	for i := range b.cells {
		if b.cells[i].Load() == nil {
			b.cells[i].Store(s)
			return
		}
	}
	var old []*slot
	if over := b.over.Load(); over != nil {
		old = *over
	}
	nb := append(old[:len(old):len(old)], s)
	b.over.Store(&nb)
}

// remove drops s if the table holds it. The caller holds index.mu.
func (t *table) remove(s *slot) {
	b := t.bucket(s.id)
	for i := range b.cells {
		if b.cells[i].Load() == s {
			b.cells[i].Store(nil)
			return
		}
	}
	over := b.over.Load()
	if over == nil {
		return
	}
	for i, o := range *over {
		if o != s {
			continue
		}
		if len(*over) == 1 {
			b.over.Store(nil)
			return
		}
		nb := append(append(make([]*slot, 0, len(*over)-1), (*over)[:i]...), (*over)[i+1:]...)
		b.over.Store(&nb)
		return
	}
}

// clear empties the table. The caller holds index.mu.
func (t *table) clear() {
	for i := range t.buckets {
		for j := range t.buckets[i].cells {
			t.buckets[i].cells[j].Store(nil)
		}
		t.buckets[i].over.Store(nil)
	}
}
