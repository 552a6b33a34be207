package account

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
)

// ConsoleSettings are what the administrator sets on the console over the
// configuration file: the towns' deadline policy, and categories, sources
// and flags added to the lists. They are kept in the database, so every
// server reads the same: the server that saves them applies them at once,
// the others within WatchConsoleSettings' interval.
type ConsoleSettings struct {
	Policy *engine.Policy `json:"policy,omitempty"`
	Lists  engine.Lists   `json:"lists"`
}

// consoleSetting is the setting that holds the ConsoleSettings as JSON.
const consoleSetting = "console"

// ConsoleSettings returns the settings saved on the console, zero when
// none were.
func (e *Service) ConsoleSettings(ctx context.Context) (ConsoleSettings, error) {
	var cs ConsoleSettings
	v, err := e.Store.Setting(ctx, consoleSetting)
	if err != nil || v == "" {
		return cs, err
	}
	if err := json.Unmarshal([]byte(v), &cs); err != nil {
		return cs, fmt.Errorf("engine: console settings: %w", err)
	}
	return cs, nil
}

// SaveConsoleSettings checks and saves the console's settings; they apply
// when the servers start next.
func (e *Service) SaveConsoleSettings(ctx context.Context, a engine.Actor, cs ConsoleSettings) error {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return err
	}
	if !sc.Settings() {
		return engine.Errorf(engine.EFORBIDDEN, "期限和名录对所有单位都适用，只有最上级单位的系统管理员可以修改。")
	}
	if cs.Policy != nil {
		if err := cs.Policy.Validate(); err != nil {
			return err
		}
	}
	if _, err := e.Lists.Extend(cs.Lists); err != nil {
		return err
	}
	if err := engine.CheckText(&cs); err != nil {
		return err
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return err
	}
	if err := e.Store.SetSetting(ctx, consoleSetting, string(b)); err != nil {
		return err
	}
	if err := e.ApplyConsoleSettings(ctx); err != nil {
		return err
	}
	var added []string
	for _, c := range cs.Lists.Categories {
		added = append(added, c.Name)
	}
	for _, s := range cs.Lists.Sources {
		added = append(added, s.Name)
	}
	for _, f := range cs.Lists.Flags {
		added = append(added, f.Name)
	}
	return e.Audited(ctx, a, engine.AuditAdmin, 0, "保存期限和清单；增加："+strings.Join(added, "、"))
}

// ApplyConsoleSettings puts the console's settings over the configuration:
// its policy replaces the towns' default one, its lists are added.
func (e *Service) ApplyConsoleSettings(ctx context.Context) error {
	cs, err := e.ConsoleSettings(ctx)
	if err != nil {
		return err
	}
	lists, err := e.Lists.Extend(cs.Lists)
	if err != nil {
		return err
	}
	e.SetConsole(engine.ConsoleRules{Policy: cs.Policy, Lists: lists})
	return nil
}

// WatchConsoleSettings applies the console's settings every interval until
// ctx ends, so that a change saved on another server takes effect here
// too; a setting that cannot be applied is logged and the last one kept.
// It drops the unit tree as well, to be read again on next use: the
// committees and the registry's serving kept on another server are seen
// here within the interval.
func (e *Service) WatchConsoleSettings(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.ForgetTree()
			if err := e.ApplyConsoleSettings(ctx); err != nil && ctx.Err() == nil {
				slog.Error("console settings", "err", err)
			}
		}
	}
}
