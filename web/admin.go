package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// unitRow is a unit on the console, with where it sits.
type unitRow struct {
	Unit   *engine.Unit
	Parent string // the parent's code
	Path   string
	Depth  int
}

// placed is an account or a token on the console, with the path of its
// unit.
type placed[T any] struct {
	Item T
	Unit string
	Code string // the unit's code, which its form preselects
}

// withPaths pairs each item with the path and code of the unit unit gives
// it.
func withPaths[T any](t *engine.Tree, items []T, unit func(T) int64) []placed[T] {
	out := make([]placed[T], len(items))
	for i, it := range items {
		out[i] = placed[T]{Item: it, Unit: t.Path(unit(it))}
		if u := t.Unit(unit(it)); u != nil {
			out[i].Code = u.Code
		}
	}
	return out
}

// handleAdmin shows the console: the unit tree and the accounts, each with
// the forms that change them.
func (s *Server) handleAdmin(c echo.Context) error { return s.renderAdmin(c, http.StatusOK, "") }

func (s *Server) renderAdmin(c echo.Context, status int, problem string) error {
	ctx := c.Request().Context()
	sc, err := s.Accounts.AdminScope(ctx, actor(c))
	if err != nil {
		return err
	}
	users, err := s.Accounts.AdminUsers(ctx, actor(c))
	if err != nil {
		return err
	}
	t := sc.Tree
	var units []unitRow
	var walk func(u *engine.Unit, depth int)
	walk = func(u *engine.Unit, depth int) {
		parent := ""
		if p := t.Unit(u.ParentID); p != nil {
			parent = p.Code
		}
		units = append(units, unitRow{u, parent, t.Path(u.ID), depth})
		for _, ch := range t.Children(u.ID) {
			walk(ch, depth+1)
		}
		for _, p := range t.PartnersUnder(u.ID) {
			walk(p, depth+1)
		}
	}
	// The console shows the administrator's own unit and what lies below.
	walk(sc.Root, 0)
	settings, err := s.consoleFormOf(c)
	if err != nil {
		return err
	}
	tokens, err := s.Accounts.Tokens(ctx, actor(c))
	if err != nil {
		return err
	}
	failures, err := s.Notices.WebhookFailures(ctx, actor(c))
	if err != nil {
		return err
	}
	// A refused form comes back open and filled in as it was sent; Open
	// names it: the form to add a unit, an account or a token, or the one
	// of the unit or account being changed.
	v, open := values{}, ""
	if problem != "" {
		v = formValues(c)
		switch path := c.Request().URL.Path; {
		case path == "/admin/units" && t.ByCode(v["code"]) != nil:
			open = "unit-" + v["code"]
		case path == "/admin/units":
			open = "add-unit"
		case path == "/admin/accounts":
			open = "add-account"
		case path == "/admin/tokens":
			open = "add-token"
		case strings.HasSuffix(path, "/role"):
			open = "account-" + c.Param("name")
		}
	}
	return s.render(c, status, viewAdmin, "单位和账号", map[string]any{"Units": units, "Problem": problem, "V": v, "Open": open,
		"Accounts": withPaths(t, users, func(u *engine.User) int64 { return u.UnitID }),
		"Tokens":   withPaths(t, tokens, func(tok *account.Token) int64 { return tok.UnitID }),
		"Settings": settings, "KeepsSettings": sc.Settings(), "Failures": failures, "Kinds": engine.PartnerKindNames(),
		"Levels": []workflow.Level{workflow.LevelProvince, workflow.LevelCity, workflow.LevelCounty, workflow.LevelTown, workflow.LevelVillage, workflow.LevelGrid, workflow.LevelPartner},
		"Roles":  workflow.Roles})
}

// adminDone ends a console action: a wrong entry shows the console again
// with what to fix; a change goes back to it with a message.
func (s *Server) adminDone(c echo.Context, err error, flash string) error {
	switch engine.ErrorCode(err) {
	case "":
		s.sessions.Put(c.Request().Context(), sessionFlash, flash)
		return c.Redirect(http.StatusSeeOther, "/admin")
	case engine.EINVALID, engine.ECONFLICT, engine.ENOTFOUND:
		return s.renderAdmin(c, http.StatusUnprocessableEntity, engine.ErrorMessage(err))
	}
	return err
}

// adminShown ends a console action that made a secret (a temporary
// password, an API token): the console comes back at once with it, so that
// it is kept nowhere, not even in the session until the next page.
func (s *Server) adminShown(c echo.Context, err error, msg string) error {
	if err != nil {
		return s.adminDone(c, err, "")
	}
	c.Set(onceKey, msg)
	return s.renderAdmin(c, http.StatusOK, "")
}

// handleAdminUnit adds a unit or changes the one with the code given.
func (s *Server) handleAdminUnit(c echo.Context) error {
	f := c.Request().PostFormValue
	u := &engine.Unit{Code: strings.TrimSpace(f("code")), Name: strings.TrimSpace(f("name")), Level: workflow.Level(f("level")),
		CasePrefix: strings.TrimSpace(f("case_prefix")), Address: strings.TrimSpace(f("address")), Phone: strings.TrimSpace(f("phone")),
		Kind: strings.TrimSpace(f("kind")), Webhook: strings.TrimSpace(f("webhook"))}
	err := s.Accounts.AdminSaveUnit(c.Request().Context(), actor(c), u, strings.TrimSpace(f("parent")))
	return s.adminDone(c, err, "已保存单位“"+u.Name+"”。")
}

// handleAdminToken makes a partner's API token and shows it once, or
// revokes one.
func (s *Server) handleAdminToken(c echo.Context) error {
	ctx := c.Request().Context()
	if id := c.Param("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return echo.ErrNotFound
		}
		return s.adminDone(c, s.Accounts.RevokeToken(ctx, actor(c), n), "已吊销接口令牌 #"+id+"，使用它的请求将被拒绝。")
	}
	f := c.Request().PostFormValue
	tok, secret, err := s.Accounts.CreateToken(ctx, actor(c), strings.TrimSpace(f("unit")), f("name"))
	if err != nil {
		return s.adminDone(c, err, "")
	}
	return s.adminShown(c, nil, "已新建接口令牌 #"+strconv.FormatInt(tok.ID, 10)+"（"+tok.Name+"）："+secret+"（只显示这一次，请交给对方系统妥善保存）。")
}

// handleAdminAccount opens an account and shows its temporary password once.
func (s *Server) handleAdminAccount(c echo.Context) error {
	ctx := c.Request().Context()
	f := c.Request().PostFormValue
	t, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	unit := t.ByCode(strings.TrimSpace(f("unit")))
	if unit == nil {
		return s.adminDone(c, engine.Invalid("unit", "单位“%s”不存在。", f("unit")), "")
	}
	u := &engine.User{Name: strings.TrimSpace(f("name")), DisplayName: strings.TrimSpace(f("display")), Role: workflow.Role(f("role")), UnitID: unit.ID}
	temp, err := s.Accounts.AdminCreateUser(ctx, actor(c), u)
	return s.adminShown(c, err, "已新建账号 "+u.Name+"，临时密码："+temp+"（请当面或电话告知；首次登录须改为自己的密码）。")
}

// handleAdminAccountAction changes an account: its role and unit, its
// password (reset), whether it is in use, its sessions.
func (s *Server) handleAdminAccountAction(c echo.Context) error {
	ctx := c.Request().Context()
	defer s.users.forget()
	a, name := actor(c), c.Param("name")
	switch c.Param("action") {
	case "role":
		err := s.Accounts.AdminSetRole(ctx, a, name, workflow.Role(c.Request().PostFormValue("role")), c.Request().PostFormValue("unit"))
		return s.adminDone(c, err, "已修改账号 "+name+" 的角色和单位。")
	case "reset":
		temp, err := s.Accounts.ResetPassword(ctx, a, name)
		return s.adminShown(c, err, "已重置 "+name+" 的密码，临时密码："+temp+"（首次登录须修改）；其所有登录均已结束。")
	case "disable":
		return s.adminDone(c, s.Accounts.AdminSetDisabled(ctx, a, name, true), "已停用 "+name+"，其所有登录均已结束。")
	case "enable":
		return s.adminDone(c, s.Accounts.AdminSetDisabled(ctx, a, name, false), "已恢复 "+name+"。")
	case "logout":
		return s.adminDone(c, s.Accounts.AdminEndSessions(ctx, a, name), "已结束 "+name+" 的全部登录。")
	}
	return echo.ErrNotFound
}

// handleSetupForm asks, on a database without accounts, for the first unit
// and the first administrator; only the one-time link printed by serve
// opens it.
func (s *Server) handleSetupForm(c echo.Context) error {
	token := c.QueryParam("token")
	if err := s.Accounts.CheckSetupToken(c.Request().Context(), token); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewSetup, "首次设置", map[string]any{"Token": token, "Problem": ""})
}

// handleSetup creates the first unit and administrator, and logs them in.
func (s *Server) handleSetup(c echo.Context) error {
	ctx := c.Request().Context()
	f := c.Request().PostFormValue
	token := f("token")
	again := func(err error) error {
		switch engine.ErrorCode(err) {
		case engine.EINVALID, engine.ECONFLICT, engine.EMALFORMED:
		default:
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, viewSetup, "首次设置", map[string]any{"Token": token, "Problem": engine.ErrorMessage(err)})
	}
	if f("password") != f("repeat") {
		return again(engine.Invalid("repeat", "两次输入的密码不一致。"))
	}
	unit := &engine.Unit{Code: strings.TrimSpace(f("unit_code")), Name: strings.TrimSpace(f("unit_name")), Level: workflow.Level(f("level")),
		CasePrefix: strings.TrimSpace(f("case_prefix"))}
	u := &engine.User{Name: strings.TrimSpace(f("name")), DisplayName: strings.TrimSpace(f("display"))}
	if err := s.Accounts.Setup(ctx, token, unit, u, f("password")); err != nil {
		return again(err)
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionFlash, "系统已设置好。请添加下级单位和账号。")
	return c.Redirect(http.StatusSeeOther, "/admin")
}

// consoleForm is the console's settings as the form shows them: the
// policy's days and actions, a field for each state the workflow table
// gives a deadline or lets escalate, and the added lists one "名称=归类"
// a line.
type consoleForm struct {
	Policy                    engine.Policy
	Deadlines                 []deadlineField
	Categories, Sources       string
	Flags                     string
	Saved                     bool
	MOJCategories, MOJSources []string
}

// deadlineField is one state's deadline on the console: its days and,
// where the table lets the state escalate, what its passing does.
type deadlineField struct {
	State     workflow.State
	Label     string
	Days      int
	Escalates bool
	Action    string
}

// consoleFormOf shows the saved settings, or the policy in force.
func (s *Server) consoleFormOf(c echo.Context) (consoleForm, error) {
	cs, err := s.Accounts.ConsoleSettings(c.Request().Context())
	if err != nil {
		return consoleForm{}, err
	}
	f := consoleForm{Policy: s.Engine.TownsPolicy(), Saved: cs.Policy != nil, MOJCategories: engine.MOJCategories, MOJSources: engine.MOJSources}
	if cs.Policy != nil {
		f.Policy = *cs.Policy
	}
	for _, st := range workflow.DeadlineStates() {
		d, _ := st.Def()
		f.Deadlines = append(f.Deadlines, deadlineField{State: st, Label: d.Deadline, Days: f.Policy.StateDays(st),
			Escalates: d.Escalates, Action: f.Policy.Action(st)})
	}
	var cats, srcs, flags []string
	for _, x := range cs.Lists.Categories {
		cats = append(cats, x.Name+"="+x.MOJ)
	}
	for _, x := range cs.Lists.Sources {
		srcs = append(srcs, x.Name+"="+x.MOJ)
	}
	for _, x := range cs.Lists.Flags {
		flags = append(flags, x.Key+"="+x.Name)
	}
	f.Categories, f.Sources, f.Flags = strings.Join(cats, "\n"), strings.Join(srcs, "\n"), strings.Join(flags, "\n")
	return f, nil
}

// pairs reads "a=b" lines; a line without "=" is a name alone.
func pairs(text string) [][2]string {
	var out [][2]string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			a, b, _ := strings.Cut(line, "=")
			out = append(out, [2]string{strings.TrimSpace(a), strings.TrimSpace(b)})
		}
	}
	return out
}

// handleAdminSettings saves the deadline policy and the lists' additions.
func (s *Server) handleAdminSettings(c echo.Context) error {
	f := c.Request().PostFormValue
	days := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(f(name)))
		if err != nil {
			return 0
		}
		return n
	}
	p := engine.Policy{Days: map[workflow.State]int{}, Overall: days("overall"), WorkingDays: f("working_days") == "1",
		OnOverdue: map[workflow.State]string{}}
	for _, st := range workflow.DeadlineStates() {
		p.Days[st] = days(string(st))
		if d, _ := st.Def(); d.Escalates {
			p.OnOverdue[st] = f("on_overdue_" + string(st))
		}
	}
	cs := account.ConsoleSettings{Policy: &p}
	for _, x := range pairs(f("categories")) {
		cs.Lists.Categories = append(cs.Lists.Categories, engine.Category{Name: x[0], MOJ: x[1]})
	}
	for _, x := range pairs(f("sources")) {
		cs.Lists.Sources = append(cs.Lists.Sources, engine.Source{Name: x[0], MOJ: x[1]})
	}
	for _, x := range pairs(f("flags")) {
		cs.Lists.Flags = append(cs.Lists.Flags, engine.Flag{Key: x[0], Name: x[1]})
	}
	err := s.Accounts.SaveConsoleSettings(c.Request().Context(), actor(c), cs)
	return s.adminDone(c, err, "已保存期限和清单，已经生效。")
}

// handleAdminCloseUnit closes a unit, or opens it again.
func (s *Server) handleAdminCloseUnit(c echo.Context) error {
	code, closed := c.Param("code"), c.Param("action") == "close"
	if c.Param("action") != "close" && c.Param("action") != "open" {
		return echo.ErrNotFound
	}
	err := s.Accounts.AdminCloseUnit(c.Request().Context(), actor(c), code, closed)
	what := "已恢复单位 " + code + "。"
	if closed {
		what = "已撤销单位 " + code + "：不再受理新案件，原有案件和统计保留。"
	}
	return s.adminDone(c, err, what)
}
