package engine

import (
	"context"
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
	// Committee is the committee a history's step names as the one that
	// acted, 0 for the one the tree gives (Tree.ActingCommittee).
	Committee int64
	// Case is, for a party (see Party), the case they proved by its code
	// and their phone: the only one they may act on.
	Case int64
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

// Fits checks that the account's role suits its unit: a partner's liaison
// belongs to a partner body, and nobody else does.
func (u *User) Fits(unit *Unit) error {
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

// CreateUser checks and saves a new account with its password.
func (e *Engine) CreateUser(ctx context.Context, u *User, password string) error {
	if err := CheckText(u); err != nil {
		return err
	}
	if err := u.SetPassword(password); err != nil {
		return err
	}
	t, err := e.TreeWith(ctx, u.UnitID)
	if err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := u.Fits(t.Unit(u.UnitID)); err != nil {
		return err
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = e.Now().UTC()
	}
	return e.Store.CreateUser(ctx, u)
}

// Ready reports whether the database takes a write now.
func (e *Engine) Ready(ctx context.Context) error { return e.Store.Ready(ctx) }

// Setting returns a stored setting, "" when unset.
func (e *Engine) Setting(ctx context.Context, key string) (string, error) {
	return e.Store.Setting(ctx, key)
}
