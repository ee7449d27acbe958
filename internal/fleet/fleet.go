// Package fleet fans work out over many items with bounded, rate-limit-aware
// concurrency: a Limiter bounds the requests in flight across a whole
// command and holds every one of them back while a rate limit's
// Retry-After runs; Run gives each item its own goroutine. It knows nothing
// of Atlas or of terminals.
package fleet

import (
	"context"
	"sync"
	"time"
)

// Limiter bounds how many requests are in flight at once, and pauses them
// all when one is told to slow down. Its zero value is not usable: use
// NewLimiter.
type Limiter struct {
	slots chan struct{}
	now   func() time.Time

	mu          sync.Mutex
	pausedUntil time.Time
}

// NewLimiter allows n requests in flight (at least 1).
func NewLimiter(n int) *Limiter {
	return &Limiter{slots: make(chan struct{}, max(n, 1)), now: time.Now}
}

// Acquire waits until a request may go: a slot is free and no pause is
// running. It fails only when ctx is done.
func (l *Limiter) Acquire(ctx context.Context) error {
	for {
		if err := l.waitPause(ctx); err != nil {
			return err
		}
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if l.pause() <= 0 {
			return nil
		}
		<-l.slots // a pause began while we waited for the slot: wait it out
	}
}

// Release frees the slot an Acquire took.
func (l *Limiter) Release() { <-l.slots }

// Pause holds every Acquire back for d from now (a longer pause already
// running is kept).
func (l *Limiter) Pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(d); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
}

// pause is how long the running pause has left.
func (l *Limiter) pause() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil.Sub(l.now())
}

func (l *Limiter) waitPause(ctx context.Context) error {
	for {
		d := l.pause()
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}

// Run calls task for every index from 0 to n-1, each in a goroutine of its
// own, at most workers at once (0: all at once), and returns when all have
// returned. A task's failure is its own business: Run never stops the
// others. Tasks not started when ctx is done still run, with that ctx, so
// that each can report it.
func Run(ctx context.Context, n, workers int, task func(ctx context.Context, i int)) {
	if workers <= 0 || workers > n {
		workers = n
	}
	sem := make(chan struct{}, max(workers, 1))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			task(ctx, i)
		}()
	}
	wg.Wait()
}
