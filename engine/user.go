package engine

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/grassroots/mediation/workflow"
	"golang.org/x/crypto/bcrypt"
)

// User is a person with an account. Parties never log in.
type User struct {
	ID           int64
	Name         string // the login name
	DisplayName  string
	Role         workflow.Role
	UnitID       int64
	PasswordHash string
	CreatedAt    time.Time
	// Demo marks an account of the demo still on the demo's published
	// password; a new password clears it.
	Demo bool
	// DisabledAt is when the account was disabled; nil while in use.
	DisabledAt *time.Time
	// MustChange: the password was set by an administrator; the user
	// chooses their own at the next login before anything else.
	MustChange bool
}

// Actor is who does something: a logged-in user or the system.
type Actor struct {
	UserID int64 // 0 for the system and for a unit's unnamed staff in a history
	Name   string
	Role   workflow.Role
	UnitID int64
	// replay marks a step of a history being loaded: see Replaying.
	replay bool
}

// System is the actor of the deadline scheduler, which escalates and flags
// overdue cases, and of the operator's command line, which reads reports.
// It may do everything the workflow table declares.
var System = Actor{Name: "系统", Role: workflow.RoleSystem}

// Replaying returns a as the actor of a step that happened before and is
// being loaded now, by import or the demo builder: the step is checked like a
// live one (the actor must hold the grant) and recorded as a's, but it
// happens at the time its input gives, and the desk's routing suggestion is
// not enforced, since it may have changed since.
func Replaying(a Actor) Actor {
	a.replay = true
	return a
}

// backdates reports whether the actor's steps happen at a time the input
// gives: a replayed history, or the scheduler given its time.
func (a Actor) backdates() bool { return a.replay || a.Role == workflow.RoleSystem }

// Actor returns the user as an actor.
func (u *User) Actor() Actor {
	name := u.DisplayName
	if name == "" {
		name = u.Name
	}
	return Actor{UserID: u.ID, Name: name, Role: u.Role, UnitID: u.UnitID}
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// SetPassword hashes password with bcrypt into u.PasswordHash.
func (u *User) SetPassword(password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return Invalid("password", "密码至少%d位。", MinPasswordLength)
	}
	if len(password) > 72 {
		return Invalid("password", "密码不能超过72个字节。")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	u.PasswordHash = string(h)
	return nil
}

// CheckPassword reports whether password matches the stored hash.
func (u *User) CheckPassword(password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
}

// Validate checks a user before it is saved.
func (u *User) Validate() error {
	u.Name = strings.TrimSpace(u.Name)
	switch {
	case u.Name == "":
		return Invalid("name", "用户名不能为空。")
	case strings.ContainsAny(u.Name, " \t\r\n"):
		return Invalid("name", "用户名不能包含空格。")
	case len([]rune(u.Name)) > 50:
		return Invalid("name", "用户名不能超过50个字。")
	case !u.Role.Valid():
		return Invalid("role", "角色必须是 intake（接待员）、mediator（调解员）、supervisor（督办）、admin（系统管理员）或 partner（联动单位联络员）。")
	case u.UnitID == 0:
		return Invalid("unit", "请指定所属单位。")
	case u.PasswordHash == "":
		return Invalid("password", "请设置密码。")
	}
	return nil
}

// fits checks that the account's role suits its unit: a partner's liaison
// belongs to a partner body, and nobody else does.
func (u *User) fits(unit *Unit) error {
	switch {
	case unit == nil:
		return Invalid("unit", "所属单位不存在。")
	case u.Role == workflow.RolePartner && unit.Level != workflow.LevelPartner:
		return Invalid("unit", "联动单位联络员须属于联动单位，“%s”是%s。", unit.Name, unit.Level.Label())
	case u.Role != workflow.RolePartner && unit.Level == workflow.LevelPartner:
		return Invalid("role", "“%s”是联动单位，其账号的角色只能是联动单位联络员。", unit.Name)
	}
	return nil
}

// dummyHash makes a failed login by an unknown name cost as much as one with
// a wrong password, so timing does not tell which names exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("mediation-dummy-password"), bcrypt.DefaultCost)

// CreateUser checks and saves a new account with its password.
func (e *Engine) CreateUser(ctx context.Context, u *User, password string) error {
	if err := CheckText(u); err != nil {
		return err
	}
	if err := u.SetPassword(password); err != nil {
		return err
	}
	t, err := e.treeWith(ctx, u.UnitID)
	if err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := u.fits(t.Unit(u.UnitID)); err != nil {
		return err
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = e.Now().UTC()
	}
	return e.Store.CreateUser(ctx, u)
}

// ChangePassword sets a user's new password and ends every session of the
// user, on every server: whoever kept an old cookie is logged out.
func (e *Engine) ChangePassword(ctx context.Context, name, password string) error {
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
func (e *Engine) ChangeOwnPassword(ctx context.Context, a Actor, current, next string) error {
	u, err := e.Store.FindUser(ctx, a.UserID)
	if err != nil {
		return err
	}
	switch {
	case !u.CheckPassword(current):
		return Invalid("current", "当前密码不正确。")
	case next == current:
		return Invalid("password", "新密码不能与当前密码相同。")
	}
	if err := u.SetPassword(next); err != nil {
		return err
	}
	if err := e.Store.SetPasswordHash(ctx, u.ID, u.PasswordHash, false); err != nil {
		return err
	}
	return e.Audited(ctx, a, AuditPassword, 0, "")
}

// ResetPassword gives the user with name a temporary password, returned to
// show the administrator once, which the user must replace at the next
// login; every session of the user ends. Only an administrator resets.
func (e *Engine) ResetPassword(ctx context.Context, a Actor, name string) (string, error) {
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
	return temp, e.Audited(ctx, a, AuditAdmin, 0, "重置密码："+name)
}

// TemporaryPassword returns a random password of twelve letters and
// digits (60 bits), short enough to read out over the phone.
func TemporaryPassword() string { return strings.ToLower(rand.Text()[:12]) }

// Authenticate returns the user with name and password. Returns
// EUNAUTHORIZED, with the same message whichever was wrong.
func (e *Engine) Authenticate(ctx context.Context, name, password string) (*User, error) {
	if err := CheckText(struct{ Name string }{name}); err != nil {
		return nil, Errorf(EUNAUTHORIZED, "用户名或密码错误。")
	}
	u, err := e.Store.FindUserByName(ctx, strings.TrimSpace(name))
	if ErrorCode(err) == ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, Errorf(EUNAUTHORIZED, "用户名或密码错误。")
	}
	if err != nil {
		return nil, err
	}
	if !u.CheckPassword(password) {
		return nil, Errorf(EUNAUTHORIZED, "用户名或密码错误。")
	}
	if u.DisabledAt != nil {
		return nil, Errorf(EUNAUTHORIZED, "该账号已停用，请联系系统管理员。")
	}
	return u, nil
}

// SetDisabled disables the user with name, which ends every session of the
// user on every server, or enables the user again.
func (e *Engine) SetDisabled(ctx context.Context, name string, disabled bool) error {
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
func (e *Engine) DemoUsers(ctx context.Context) (map[string]bool, error) {
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
func (e *Engine) FindUser(ctx context.Context, id int64) (*User, error) {
	return e.Store.FindUser(ctx, id)
}

// Setting returns a stored setting, "" when unset.
func (e *Engine) Setting(ctx context.Context, key string) (string, error) {
	return e.Store.Setting(ctx, key)
}
