package web

import (
	"log/slog"
	"sync"
	"time"
)

// failureLog logs the server's failures (a 5xx answer) so that one cause
// does not flood the log: a disk that fills fails every request, and the
// log of 40,000 identical lines a minute hid what came before. The first
// failure of a kind is logged at once; the same again within a minute is
// counted, and logged once that minute has passed, with its count.
type failureLog struct {
	mu    sync.Mutex
	kinds map[string]*failureKind
}

type failureKind struct {
	logged   time.Time
	repeated int
}

// failureEvery is how often one kind of failure is logged at most.
const failureEvery = time.Minute

// log records a failure of the request method path with err, at now.
func (f *failureLog) log(now time.Time, method, path string, err error) {
	kind := err.Error()
	if len(kind) > 200 {
		kind = kind[:200]
	}
	f.mu.Lock()
	if f.kinds == nil {
		f.kinds = map[string]*failureKind{}
	}
	k := f.kinds[kind]
	if k != nil && now.Sub(k.logged) < failureEvery {
		k.repeated++
		f.mu.Unlock()
		return
	}
	repeated := 0
	if k != nil {
		repeated = k.repeated
	}
	f.kinds[kind] = &failureKind{logged: now}
	// The kinds are few; those not seen for a while are forgotten.
	for key, other := range f.kinds {
		if now.Sub(other.logged) > 10*failureEvery {
			delete(f.kinds, key)
		}
	}
	f.mu.Unlock()
	slog.Error("request failed", "method", method, "path", path, "err", err, "repeated_since_last_logged", repeated)
}
