package account

import (
	"context"
	"fmt"
	"time"
)

// Throttling of logins and lookups. A key gets freeTries failures in
// throttleWindow; after that each attempt waits twice as long as the one
// before (1 s, 2 s, 4 s, … up to maxWait) from the key's last failure. A
// wait, not a lockout: the right password still works once it has passed,
// and a key counts only its own failures, so nobody can lock out an
// account from another address, or a party from their case's code.
const (
	freeTries      = 5
	throttleWindow = 15 * time.Minute
	maxWait        = 5 * time.Minute
)

// LoginKeys are the keys a login from addr as name counts against: the
// account from that address, and the address across every account (with
// ten times the free tries, for a desk that shares one address).
func LoginKeys(name, addr string) []ThrottleKey {
	return []ThrottleKey{{"login:" + name + "|" + addr, freeTries}, {"login-from:" + addr, 10 * freeTries}}
}

// LookupKeys are the keys a party's lookup of code from addr counts against.
func LookupKeys(code, addr string) []ThrottleKey {
	return []ThrottleKey{{"lookup:" + code + "|" + addr, freeTries}, {"lookup-from:" + addr, 10 * freeTries}}
}

// ThrottleKey is what failures are counted under, and how many are free.
type ThrottleKey struct {
	Key  string
	Free int
}

// Wait returns how long an attempt under keys must still wait, 0 if it may
// go ahead now.
func (e *Service) Wait(ctx context.Context, keys []ThrottleKey) (time.Duration, error) {
	now := e.Now()
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Key
	}
	counts, last, err := e.Store.Failures(ctx, names, now.Add(-throttleWindow))
	if err != nil {
		return 0, err
	}
	var wait time.Duration
	for _, k := range keys {
		over := counts[k.Key] - k.Free
		if over < 0 {
			continue
		}
		d := maxWait
		if over < 9 {
			d = min(time.Second<<over, maxWait)
		}
		if left := last[k.Key].Add(d).Sub(now); left > wait {
			wait = left
		}
	}
	return wait, nil
}

// Failed records a failed attempt under keys.
func (e *Service) Failed(ctx context.Context, keys []ThrottleKey) error {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Key
	}
	now := e.Now()
	return e.Store.Fail(ctx, names, now, now.Add(-throttleWindow))
}

// Succeeded forgets the failures of the first key: the account or the code
// from that address.
func (e *Service) Succeeded(ctx context.Context, keys []ThrottleKey) error {
	return e.Store.ClearFailures(ctx, keys[0].Key)
}

// WaitMessage says in Chinese how long to wait.
func WaitMessage(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("尝试次数过多，请%d秒后再试。", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("尝试次数过多，请%d分钟后再试。", int((d+time.Minute-1)/time.Minute))
}
