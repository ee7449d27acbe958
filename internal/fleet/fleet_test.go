package fleet

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestLimiterBoundsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(3)
		var in, peak atomic.Int32
		Run(context.Background(), 20, 0, func(ctx context.Context, i int) {
			if err := l.Acquire(ctx); err != nil {
				t.Error(err)
				return
			}
			defer l.Release()
			n := in.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Second)
			in.Add(-1)
		})
		if p := peak.Load(); p != 3 {
			t.Errorf("peak in flight %d, want 3", p)
		}
	})
}

func TestPauseHoldsEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(4)
		start := time.Now()
		l.Pause(5 * time.Second)
		var mu sync.Mutex
		var went []time.Duration
		Run(context.Background(), 4, 0, func(ctx context.Context, i int) {
			if err := l.Acquire(ctx); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			went = append(went, time.Since(start))
			mu.Unlock()
			l.Release()
		})
		for _, d := range went {
			if d < 5*time.Second {
				t.Errorf("a request went after %s, during the pause", d)
			}
		}
		// A shorter pause does not cut a longer one short.
		l.Pause(10 * time.Second)
		l.Pause(time.Second)
		began := time.Now()
		l.Acquire(context.Background())
		if d := time.Since(began); d < 10*time.Second {
			t.Errorf("waited %s, want the longer pause", d)
		}
	})
}

func TestAcquireCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(1)
		l.Acquire(context.Background())
		stop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() { time.Sleep(time.Second); cancel(stop) }()
		if err := l.Acquire(ctx); !errors.Is(err, stop) {
			t.Errorf("Acquire = %v, want the cause", err)
		}
	})
}

func TestRunWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var in, peak atomic.Int32
		done := make([]bool, 10)
		Run(context.Background(), 10, 2, func(ctx context.Context, i int) {
			n := in.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Second)
			in.Add(-1)
			done[i] = true
		})
		if peak.Load() != 2 {
			t.Errorf("peak workers %d, want 2", peak.Load())
		}
		for i, d := range done {
			if !d {
				t.Errorf("task %d did not run", i)
			}
		}
	})
}
