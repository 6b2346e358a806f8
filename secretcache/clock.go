package secretcache

import "time"

// clock is the cache's source of time, replaced by a fake in tests so that
// TTLs and backoffs can be driven without sleeping.
type clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) timer
}

// timer is the part of *time.Timer the cache uses.
type timer interface {
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }
