package account

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grassroots/mediation/engine"
	"golang.org/x/crypto/bcrypt"
)

// dummyHash makes a failed login by an unknown name cost as much as one with
// a wrong password, so timing does not tell which names exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("mediation-dummy-password"), bcrypt.DefaultCost)

// ChangePassword sets a user's new password and ends every session of the
// user, on every server: whoever kept an old cookie is logged out.
func (e *Service) ChangePassword(ctx context.Context, name, password string) error {
	u, err := e.Store.FindUserByName(ctx, name)
	if err != nil {
		return err
	}
	if err := u.SetPassword(password); err != nil {
		return err
	}
	return e.Store.SetPasswordHash(ctx, u.ID, u.PasswordHash, false)
}

// ChangeOwnPassword sets the actor's new password, given the current one,
// and ends every session of the actor: the caller renews its own.
func (e *Service) ChangeOwnPassword(ctx context.Context, a engine.Actor, current, next string) error {
	u, err := e.Store.FindUser(ctx, a.UserID)
	if err != nil {
		return err
	}
	switch {
	case !u.CheckPassword(current):
		return engine.Invalid("current", "当前密码不正确。")
	case next == current:
		return engine.Invalid("password", "新密码不能与当前密码相同。")
	}
	if err := u.SetPassword(next); err != nil {
		return err
	}
	if err := e.Store.SetPasswordHash(ctx, u.ID, u.PasswordHash, false); err != nil {
		return err
	}
	return e.Audited(ctx, a, engine.AuditPassword, 0, "")
}

// ResetPassword gives the user with name a temporary password, returned to
// show the administrator once, which the user must replace at the next
// login; every session of the user ends. Only an administrator who keeps
// the account resets.
func (e *Service) ResetPassword(ctx context.Context, a engine.Actor, name string) (string, error) {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return "", err
	}
	u, err := e.user(ctx, sc, name)
	if err != nil {
		return "", err
	}
	temp := TemporaryPassword()
	if err := u.SetPassword(temp); err != nil {
		return "", err
	}
	if err := e.Store.SetPasswordHash(ctx, u.ID, u.PasswordHash, true); err != nil {
		return "", err
	}
	return temp, e.Audited(ctx, a, engine.AuditAdmin, 0, "重置密码："+name)
}

// TemporaryPassword returns a random password of twelve letters and
// digits (60 bits), short enough to read out over the phone.
func TemporaryPassword() string { return strings.ToLower(rand.Text()[:12]) }

// Authenticate returns the user with name and password. Returns
// EUNAUTHORIZED, with the same message whichever was wrong.
func (e *Service) Authenticate(ctx context.Context, name, password string) (*engine.User, error) {
	u, _, err := e.authenticate(ctx, name, password)
	return u, err
}

// authenticate is Authenticate, saying also whether the name exists.
func (e *Service) authenticate(ctx context.Context, name, password string) (*engine.User, bool, error) {
	wrong := engine.Errorf(engine.EUNAUTHORIZED, "用户名或密码错误。")
	name = strings.TrimSpace(name)
	if name == "" || engine.CheckText(struct{ Name string }{name}) != nil || utf8.RuneCountInString(name) > 64 {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, false, wrong
	}
	u, err := e.Store.FindUserByName(ctx, name)
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, false, wrong
	}
	if err != nil {
		return nil, false, err
	}
	if !u.CheckPassword(password) {
		return nil, true, wrong
	}
	if u.DisabledAt != nil {
		return nil, true, engine.Errorf(engine.EUNAUTHORIZED, "该账号已停用，请联系系统管理员。")
	}
	return u, true, nil
}

// Login returns the user with name and password, trying from addr, under
// the throttle (see Try): ETOOMANY when the account is being guessed, or
// when the address has failed too often and this try fails too;
// EUNAUTHORIZED when the name or the password is wrong. Every login and
// every failed one is a line of the audit trail, with the name as typed
// (cut short, and without what cannot be printed).
func (e *Service) Login(ctx context.Context, name, password, addr string) (*engine.User, error) {
	name = strings.TrimSpace(name)
	try := LoginTry(name, addr)
	if wait, err := e.Admit(ctx, try); err != nil {
		return nil, err
	} else if wait > 0 {
		return nil, engine.Errorf(engine.ETOOMANY, "%s", WaitMessage(wait))
	}
	u, known, err := e.authenticate(ctx, name, password)
	if engine.ErrorCode(err) == engine.EUNAUTHORIZED {
		wait, ferr := e.Refuse(ctx, try, known)
		if ferr != nil {
			return nil, ferr
		}
		if aerr := e.Audited(ctx, engine.Actor{Name: engine.Printable(name, 50)}, engine.AuditLoginFailed, 0, "来自 "+engine.Printable(addr, 64)); aerr != nil {
			return nil, aerr
		}
		if wait > 0 {
			return nil, engine.Errorf(engine.ETOOMANY, "%s", WaitMessage(wait))
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if err := e.Admitted(ctx, try); err != nil {
		return nil, err
	}
	return u, e.Audited(ctx, u.Actor(), engine.AuditLogin, 0, "来自 "+engine.Printable(addr, 64))
}

// SetDisabled disables the user with name, which ends every session of the
// user on every server, or enables the user again.
func (e *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	u, err := e.Store.FindUserByName(ctx, name)
	if err != nil {
		return err
	}
	var at *time.Time
	if disabled {
		now := e.Now().UTC()
		at = &now
	}
	return e.Store.SetDisabled(ctx, u.ID, at)
}

// DemoUsers returns the names of the demo's accounts still on its published
// password.
func (e *Service) DemoUsers(ctx context.Context) (map[string]bool, error) {
	users, err := e.Store.Users(ctx, nil)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, u := range users {
		if u.Demo {
			names[u.Name] = true
		}
	}
	return names, nil
}

// FindUser returns the user with id. Returns ENOTFOUND if none.
func (e *Service) FindUser(ctx context.Context, id int64) (*engine.User, error) {
	return e.Store.FindUser(ctx, id)
}
