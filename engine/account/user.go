package account

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

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
// login; every session of the user ends. Only an administrator resets.
func (e *Service) ResetPassword(ctx context.Context, a engine.Actor, name string) (string, error) {
	if err := mayAdminister(a); err != nil {
		return "", err
	}
	u, err := e.Store.FindUserByName(ctx, name)
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
	if err := engine.CheckText(struct{ Name string }{name}); err != nil {
		return nil, engine.Errorf(engine.EUNAUTHORIZED, "用户名或密码错误。")
	}
	u, err := e.Store.FindUserByName(ctx, strings.TrimSpace(name))
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, engine.Errorf(engine.EUNAUTHORIZED, "用户名或密码错误。")
	}
	if err != nil {
		return nil, err
	}
	if !u.CheckPassword(password) {
		return nil, engine.Errorf(engine.EUNAUTHORIZED, "用户名或密码错误。")
	}
	if u.DisabledAt != nil {
		return nil, engine.Errorf(engine.EUNAUTHORIZED, "该账号已停用，请联系系统管理员。")
	}
	return u, nil
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
