package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Token lets a partner body's system call the API as that body (the 141
// exchange). Only the hash of its secret is kept.
type Token struct {
	ID         int64
	UnitID     int64
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// tokenPrefix starts every token, so that one pasted into a log or a
// ticket is recognised for what it is.
const tokenPrefix = "med_"

// HashToken returns the hash a token is kept and found by.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes an API token for the partner body with code, named
// name, and returns its secret, which is shown this once and never kept.
func (e *Service) CreateToken(ctx context.Context, a engine.Actor, code, name string) (*Token, string, error) {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return nil, "", err
	}
	u, err := sc.unit("unit", code)
	if err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	switch {
	case u.Level != workflow.LevelPartner:
		return nil, "", engine.Invalid("unit", "“%s”是%s；接口令牌只发给联动单位。", u.Name, u.Level.Label())
	case u.ClosedAt != nil:
		return nil, "", engine.Invalid("unit", "“%s”已撤销。", u.Name)
	case name == "" || len([]rune(name)) > 50:
		return nil, "", engine.Invalid("name", "请为令牌起一个名称（不超过50个字），如对接的系统名。")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	tok := &Token{UnitID: u.ID, Name: name, Hash: HashToken(secret), CreatedAt: e.Now().UTC()}
	if err := e.Store.SaveToken(ctx, tok); err != nil {
		return nil, "", err
	}
	if err := e.Audited(ctx, a, engine.AuditAdmin, 0, fmt.Sprintf("新建接口令牌 #%d：%s · %s", tok.ID, u.Name, tok.Name)); err != nil {
		return nil, "", err
	}
	return tok, secret, nil
}

// tokenTouch is how often a token's last use is written: a partner's
// system calling every second writes once in this time.
const tokenTouch = time.Hour

// TokenActor returns the actor a token's secret stands for: the partner
// body, by the token's name. Returns EUNAUTHORIZED for a token unknown or
// revoked, or of a body closed since.
func (e *Service) TokenActor(ctx context.Context, secret string) (engine.Actor, error) {
	refused := engine.Errorf(engine.EUNAUTHORIZED, "接口令牌无效或已被吊销。")
	if !strings.HasPrefix(secret, tokenPrefix) {
		return engine.Actor{}, refused
	}
	tok, err := e.Store.TokenByHash(ctx, HashToken(secret))
	if engine.ErrorCode(err) == engine.ENOTFOUND || (err == nil && tok.RevokedAt != nil) {
		return engine.Actor{}, refused
	}
	if err != nil {
		return engine.Actor{}, err
	}
	t, err := e.TreeWith(ctx, tok.UnitID)
	if err != nil {
		return engine.Actor{}, err
	}
	u := t.Unit(tok.UnitID)
	if u == nil || u.ClosedAt != nil {
		return engine.Actor{}, refused
	}
	now := e.Now().UTC()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= tokenTouch {
		if err := e.Store.TokenUsed(ctx, tok.ID, now); err != nil {
			return engine.Actor{}, err
		}
	}
	return engine.Actor{Name: u.Name + "（接口：" + tok.Name + "）", Role: workflow.RolePartner, UnitID: u.ID}, nil
}

// Tokens returns the API tokens the actor keeps: those of the partner
// bodies below the administrator's unit.
func (e *Service) Tokens(ctx context.Context, a engine.Actor) ([]*Token, error) {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return nil, err
	}
	return e.Store.Tokens(ctx, sc.Units())
}

// RevokeToken revokes an API token the actor keeps: its next call is
// refused.
func (e *Service) RevokeToken(ctx context.Context, a engine.Actor, id int64) error {
	mine, err := e.Tokens(ctx, a)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(mine, func(t *Token) bool { return t.ID == id }) {
		return engine.Errorf(engine.ENOTFOUND, "没有接口令牌 #%d，或它不属于本单位及下级单位。", id)
	}
	if err := e.Store.RevokeToken(ctx, id, e.Now().UTC()); err != nil {
		return err
	}
	return e.Audited(ctx, a, engine.AuditAdmin, 0, fmt.Sprintf("吊销接口令牌 #%d", id))
}

// keepsTokens lets the administrator, and the operator's command line,
// list and revoke tokens.
func keepsTokens(a engine.Actor) error {
	if a.Role == workflow.RoleSystem {
		return nil
	}
	return mayAdminister(a)
}
