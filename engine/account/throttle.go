package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Throttling of logins and lookups. A key gets its free tries in
// throttleWindow; after that each attempt waits twice as long as the one
// before (1 s, 2 s, 4 s, … up to maxWait) from the key's last failure. A
// wait, not a lockout: the right password still works once it has passed.
//
// What is counted follows who is under attack. Wrong passwords for an
// account count against the account from that address (five free) and
// against the account from everywhere (twenty free): a guess from many
// addresses is slowed as well as one from one. Names that do not exist
// count against the address (fifty free): a town office behind one NAT,
// where a colleague mistypes a name, keeps logging in, because a right
// password for an account that is not itself being guessed is never
// refused. A throttled address is told to wait after every failure, for
// names that exist as for those that do not, so that the answer does not
// tell them apart. Look-ups count the same way, the case's code standing
// for the account.
const (
	freeTries      = 5
	nameTries      = 20
	addrTries      = 50
	throttleWindow = 15 * time.Minute
	maxWait        = 5 * time.Minute
	// keepTries is how long the counted tries are kept: the longest any
	// count looks back, a day of a party's applications.
	keepTries = 24 * time.Hour
)

// Try is one login or look-up: what was typed as the name (a user's name,
// a case's code) and the address it came from.
type Try struct {
	kind, name, addr string
}

// LoginTry is a login as name from addr.
func LoginTry(name, addr string) Try { return Try{"login", keyPart(name), keyPart(addr)} }

// LookupTry is a look-up of the case with code from addr.
func LookupTry(code, addr string) Try { return Try{"lookup", keyPart(code), keyPart(addr)} }

// nameKeys are the keys a failure at a name that exists counts against.
func (t Try) nameKeys() []ThrottleKey {
	return []ThrottleKey{{t.kind + ":" + t.name + "|" + t.addr, freeTries}, {t.kind + ":" + t.name, nameTries}}
}

// addrKey is the key a failure at a name that does not exist counts
// against.
func (t Try) addrKey() ThrottleKey { return ThrottleKey{t.kind + "-from:" + t.addr, addrTries} }

// keyPart is what is typed as it is stored in a key: as typed when it is
// short printable text, else a hash of it, so that a name of megabytes or
// of bytes no database takes is stored as 32 characters.
func keyPart(s string) string {
	printable := utf8.ValidString(s) && len(s) <= 64
	for _, r := range s {
		if !printable {
			break
		}
		printable = unicode.IsPrint(r)
	}
	if printable {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "#" + hex.EncodeToString(sum[:16])
}

// ThrottleKey is what failures are counted under, and how many are free.
type ThrottleKey struct {
	Key  string
	Free int
}

// Admit returns how long a try must wait before it is even checked: the
// name it names is being guessed, from this address or from many; 0 if it
// may go ahead now.
func (e *Service) Admit(ctx context.Context, t Try) (time.Duration, error) {
	return e.wait(ctx, t.nameKeys())
}

// Refuse records a failed try, against the name when it exists (known) and
// against the address when it does not, and returns how long the address
// must wait before its next failure is answered as an ordinary one.
func (e *Service) Refuse(ctx context.Context, t Try, known bool) (time.Duration, error) {
	keys := []ThrottleKey{t.addrKey()}
	if known {
		keys = t.nameKeys()
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Key
	}
	now := e.Now()
	if err := e.Store.Fail(ctx, names, now, now.Add(-keepTries)); err != nil {
		return 0, err
	}
	return e.wait(ctx, []ThrottleKey{t.addrKey()})
}

// Admitted forgets the failures of the name from the try's address, after
// a success there.
func (e *Service) Admitted(ctx context.Context, t Try) error {
	return e.Store.ClearFailures(ctx, t.nameKeys()[0].Key)
}

// wait returns how long an attempt under keys must still wait.
func (e *Service) wait(ctx context.Context, keys []ThrottleKey) (time.Duration, error) {
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

// WaitMessage says in Chinese how long to wait.
func WaitMessage(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("尝试次数过多，请%d秒后再试。", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("尝试次数过多，请%d分钟后再试。", int((d+time.Minute-1)/time.Minute))
}
