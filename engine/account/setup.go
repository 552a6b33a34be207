package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// setupSetting holds the hash of the one-time setup token and when it
// expires: "hash|unix seconds".
const setupSetting = "setup_token"

// SetupToken returns a new one-time token that creates the first
// administrator, valid for an hour, or "" when the database has accounts
// already. Only its hash is stored; a new call replaces the last token.
func (e *Service) SetupToken(ctx context.Context) (string, error) {
	users, err := e.Store.Users(ctx, nil)
	if err != nil || len(users) > 0 {
		return "", err
	}
	token := strings.ToLower(rand.Text())
	sum := sha256.Sum256([]byte(token))
	v := hex.EncodeToString(sum[:]) + "|" + strconv.FormatInt(e.Now().Add(time.Hour).Unix(), 10)
	return token, e.Store.SetSetting(ctx, setupSetting, v)
}

// CheckSetupToken says whether token is the live setup token of a database
// without accounts.
func (e *Service) CheckSetupToken(ctx context.Context, token string) error {
	_, err := e.liveSetupToken(ctx, token)
	return err
}

// liveSetupToken returns the stored setting of the live setup token, if
// token is it.
func (e *Service) liveSetupToken(ctx context.Context, token string) (string, error) {
	bad := engine.Errorf(engine.ENOTFOUND, "这个设置链接无效或已过期：请在服务器的终端运行 mediation setup-link 取得新链接。")
	users, err := e.Store.Users(ctx, nil)
	if err != nil {
		return "", err
	}
	if len(users) > 0 {
		return "", engine.Errorf(engine.ENOTFOUND, "系统已经设置过，请登录。")
	}
	v, err := e.Store.Setting(ctx, setupSetting)
	if err != nil {
		return "", err
	}
	hash, exp, ok := strings.Cut(v, "|")
	until, perr := strconv.ParseInt(exp, 10, 64)
	sum := sha256.Sum256([]byte(token))
	if !ok || perr != nil || e.Now().Unix() > until || subtle.ConstantTimeCompare([]byte(hash), []byte(hex.EncodeToString(sum[:]))) != 1 {
		return "", bad
	}
	return v, nil
}

// Setup creates the first unit (a county or a town) and the first
// administrator with the password they chose, once: the token is spent in
// the same transaction, so that two submissions of the form (a double
// click, two browsers) set the system up once.
func (e *Service) Setup(ctx context.Context, token string, unit *engine.Unit, u *engine.User, password string) error {
	live, err := e.liveSetupToken(ctx, token)
	if err != nil {
		return err
	}
	if unit.Level != workflow.LevelTown && unit.Level != workflow.LevelCounty {
		return engine.Invalid("level", "第一个单位应是县(区)或镇(街道)。")
	}
	if err := engine.CheckText(unit); err != nil {
		return err
	}
	if err := unit.Validate(nil); err != nil {
		return err
	}
	if err := engine.CheckText(u); err != nil {
		return err
	}
	if err := u.SetPassword(password); err != nil {
		return err
	}
	// The unit's id is not known before the transaction makes it; the
	// account is checked as one of a unit, and placed in it there.
	u.Role, u.UnitID, u.CreatedAt = workflow.RoleAdmin, -1, e.Now().UTC()
	if err := u.Validate(); err != nil {
		return err
	}
	if err := e.Store.SetUp(ctx, setupSetting, live, unit, u); err != nil {
		return err
	}
	e.ForgetTree()
	return e.Audited(ctx, u.Actor(), engine.AuditAdmin, 0, fmt.Sprintf("首次设置：%s，系统管理员 %s", unit.Name, u.Name))
}
