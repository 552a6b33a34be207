package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// ledgerRow is an entry as the ledger's list shows it.
type ledgerRow struct {
	Entry   *ledger.Entry
	Unit    string
	Due     string
	Overdue bool
}

// ledgerFilter reads the list's filters from the query.
func (s *Server) ledgerFilter(c echo.Context) ledger.Filter {
	f := ledger.Filter{Kind: ledger.Kind(c.QueryParam("kind")), Colour: ledger.Colour(c.QueryParam("colour")),
		Unit: c.QueryParam("unit"), Delisted: c.QueryParam("delisted") == "1", Limit: pageSize}
	if c.QueryParam("due") == "1" {
		now := s.Engine.Now()
		f.DueBy = &now
	}
	if p, err := strconv.Atoi(c.QueryParam("page")); err == nil && p > 1 {
		f.Offset = (p - 1) * pageSize
	}
	return f
}

// handleLedger lists the ledger of the user's subtree, gravest and most
// overdue first, by kind, colour, unit and whether the review is overdue.
func (s *Server) handleLedger(c echo.Context) error {
	ctx := c.Request().Context()
	f := s.ledgerFilter(c)
	list, total, err := s.Ledger.List(ctx, actor(c), f, c.Request().URL.Path)
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	now := s.Engine.Now()
	rows := make([]ledgerRow, len(list))
	for i, e := range list {
		rows[i] = ledgerRow{Entry: e, Unit: tree.Path(e.UnitID), Overdue: e.Overdue(now)}
		if e.ReviewDue != nil {
			rows[i].Due = s.countdown(e.ReviewDue)
		}
	}
	return s.render(c, http.StatusOK, viewLedger, "重点人员台账", map[string]any{"Rows": rows, "Total": total,
		"Query": c.QueryParams(), "Kinds": ledger.Kinds, "Colours": ledger.Colours, "Units": s.ledgerUnits(c)})
}

// ledgerUnits are the units of the user's subtree an entry may be kept
// under: every one but the partner bodies.
func (s *Server) ledgerUnits(c echo.Context) []*engine.Unit {
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return nil
	}
	var out []*engine.Unit
	for _, id := range tree.Subtree(actor(c).UnitID) {
		if u := tree.Unit(id); u != nil && u.Level != workflow.LevelPartner && u.ClosedAt == nil {
			out = append(out, u)
		}
	}
	return out
}

// ownerChoice is a user a form offers as an owner (包保责任人).
type ownerChoice struct {
	Name, Label string
}

// ownerChoices are the mediators and supervisors of the user's town (or
// of the user's subtree, above a town), whom a listing may name as owners.
func (s *Server) ownerChoices(c echo.Context) ([]ownerChoice, error) {
	ctx := c.Request().Context()
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return nil, err
	}
	root := actor(c).UnitID
	if town := tree.Town(root); town != nil {
		root = town.ID
	}
	users, err := s.Engine.Store.Users(ctx, tree.Subtree(root))
	if err != nil {
		return nil, err
	}
	var out []ownerChoice
	for _, u := range users {
		if u.DisabledAt == nil && (u.Role == workflow.RoleMediator || u.Role == workflow.RoleSupervisor) {
			out = append(out, ownerChoice{Name: u.Name, Label: u.Actor().Name + "（" + tree.Path(u.UnitID) + " · " + u.Role.Label() + "）"})
		}
	}
	return out, nil
}

// handleLedgerForm shows the listing form, the user's own unit and
// themselves as owner chosen.
func (s *Server) handleLedgerForm(c echo.Context) error {
	if !s.Engine.Abilities(c.Request().Context(), actor(c)).Ledger {
		return engine.Errorf(engine.EFORBIDDEN, "%s", workflow.FeatureLedger.Refusal())
	}
	unit := ""
	if tree, err := s.Engine.Tree(c.Request().Context()); err == nil && tree.Unit(actor(c).UnitID) != nil {
		unit = tree.Unit(actor(c).UnitID).Code
	}
	v := values{"kind": c.QueryParam("kind"), "unit": unit, "colour": "", "name": c.QueryParam("name"), "reason": c.QueryParam("reason"),
		"sweep": c.QueryParam("sweep")}
	if v["kind"] == "" {
		v["kind"] = string(ledger.KindPerson)
	}
	return s.ledgerFormPage(c, http.StatusOK, v, []string{currentUser(c).Name}, nil)
}

func (s *Server) ledgerFormPage(c echo.Context, status int, v values, owners []string, errs map[string]string) error {
	choices, err := s.ownerChoices(c)
	if err != nil {
		return err
	}
	return s.render(c, status, viewLedgerNew, "列入台账", map[string]any{"V": v, "E": errs, "Owners": owners, "Choices": choices,
		"Kinds": ledger.Kinds, "Colours": ledger.Colours, "Categories": s.Ledger.Policy.Categories, "Units": s.ledgerUnits(c)})
}

// handleLedgerAdd lists an entry; a refused form comes back as typed,
// each mistake beside its field.
func (s *Server) handleLedgerAdd(c echo.Context) error {
	v := formValues(c)
	form, _ := c.FormParams()
	owners := form["owners"]
	var sweep int64
	if v["sweep"] != "" {
		if sweep, _ = strconv.ParseInt(v["sweep"], 10, 64); sweep <= 0 {
			return engine.Malformed("sweep", "排查编号无效。")
		}
	}
	people := 0
	if v["people"] != "" {
		n, err := strconv.Atoi(v["people"])
		if err != nil || n < 0 {
			return s.ledgerFormPage(c, http.StatusUnprocessableEntity, v, owners, map[string]string{"people": "人数应为整数。"})
		}
		people = n
	}
	e, err := s.Ledger.Add(c.Request().Context(), actor(c), &ledger.NewEntry{Kind: ledger.Kind(v["kind"]), Name: v["name"],
		IDNumber: v["id_number"], Phone: v["phone"], Address: v["address"], People: people, Unit: v["unit"], Category: v["category"],
		Reason: v["reason"], Colour: ledger.Colour(v["colour"]), Owners: owners, Approver: v["approver"], Sweep: sweep})
	if engine.ErrorCode(err) == engine.EINVALID {
		return s.ledgerFormPage(c, http.StatusUnprocessableEntity, v, owners, engine.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessionFlash, fmt.Sprintf("已列入台账：%s，%s，下次走访 %s 前。", e.Label(), e.Colour.Label(),
		e.ReviewDue.In(s.Engine.Location).Format("1月2日")))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/ledger/%d", e.ID))
}

// handleLedgerEntry shows an entry: its particulars as the user may see
// them, its history, its person's cases, and the forms of what the user
// may do.
func (s *Server) handleLedgerEntry(c echo.Context) error {
	return s.ledgerEntryPage(c, http.StatusOK, values{}, nil)
}

func (s *Server) ledgerEntryPage(c echo.Context, status int, v values, errs map[string]string) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Errorf(engine.ENOTFOUND, "台账条目不存在。")
	}
	ctx := c.Request().Context()
	view, err := s.Ledger.Show(ctx, actor(c), id)
	if err != nil {
		return err
	}
	if v["version"] == "" {
		v["version"] = strconv.Itoa(view.Entry.Version)
	}
	return s.render(c, status, viewLedgerEntry, view.Entry.Name, map[string]any{"View": view, "V": v, "E": errs,
		"Methods": ledger.Methods, "Colours": ledger.Colours, "Overdue": view.Entry.Overdue(s.Engine.Now())})
}

// handleLedgerStep records a contact, a 督办 or a 销号 on an entry; a
// refused form comes back on the entry's page as typed.
func (s *Server) handleLedgerStep(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Errorf(engine.ENOTFOUND, "台账条目不存在。")
	}
	v := formValues(c)
	version, _ := strconv.Atoi(v["version"])
	ctx, a := c.Request().Context(), actor(c)
	var done string
	switch c.Param("step") {
	case "contacts":
		_, err = s.Ledger.RecordContact(ctx, a, id, &ledger.Contact{Method: v["method"], Findings: v["findings"],
			Colour: ledger.Colour(v["colour"]), Reason: v["reason"], Version: version})
		done = "已记录走访联系。"
	case "press":
		_, err = s.Ledger.Press(ctx, a, id, v["note"])
		done = "已督办，包保责任人的待办中会标出。"
	case "delist":
		_, err = s.Ledger.Delist(ctx, a, id, version, v["delist_reason"])
		if f := engine.ErrorField(err); f == "reason" {
			err = engine.Invalid("delist_reason", "%s", engine.ErrorMessage(err))
		}
		done = "已销号。"
	default:
		return echo.ErrNotFound
	}
	switch engine.ErrorCode(err) {
	case "":
		s.sessions.Put(ctx, sessionFlash, done)
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/ledger/%d", id))
	case engine.EINVALID, engine.ECONFLICT:
		errs := engine.ErrorFields(err)
		if len(errs) == 0 {
			errs = map[string]string{c.Param("step"): engine.ErrorMessage(err)}
		}
		delete(v, "version")
		return s.ledgerEntryPage(c, statusOf[engine.ErrorCode(err)], v, errs)
	}
	return err
}

// chosen tells the listing form which owners to tick.
func chosen(owners []string, name string) bool {
	return slices.Contains(owners, strings.TrimSpace(name))
}

// apiEntry is an entry as the API gives it, particulars masked as on the
// pages.
type apiEntry struct {
	ID         int64         `json:"id"`
	Kind       ledger.Kind   `json:"kind"`
	Name       string        `json:"name"`
	IDNumber   string        `json:"id_number,omitempty"`
	Phone      string        `json:"phone,omitempty"`
	Address    string        `json:"address,omitempty"`
	People     int           `json:"people,omitempty"`
	Unit       string        `json:"unit"`
	Category   string        `json:"category"`
	Reason     string        `json:"reason"`
	Colour     ledger.Colour `json:"colour"`
	Owners     []string      `json:"owners"`
	ListedAt   time.Time     `json:"listed_at"`
	ReviewedAt *time.Time    `json:"reviewed_at,omitempty"`
	ReviewDue  *time.Time    `json:"review_due,omitempty"`
	Overdue    bool          `json:"overdue"`
	PressedAt  *time.Time    `json:"pressed_at,omitempty"`
	DelistedAt *time.Time    `json:"delisted_at,omitempty"`
	// Sweep is the id of the sweep that found the entry.
	Sweep   int64 `json:"sweep,omitempty"`
	Version int   `json:"version"`
}

// apiEntries writes entries for the API, their units and owners by code
// and login name.
func (s *Server) apiEntries(c echo.Context, list ...*ledger.Entry) ([]apiEntry, error) {
	ctx := c.Request().Context()
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Engine.Now()
	names := map[int64]string{}
	out := make([]apiEntry, len(list))
	for i, e := range list {
		out[i] = apiEntry{ID: e.ID, Kind: e.Kind, Name: e.Name, IDNumber: e.IDNumber, Phone: e.Phone, Address: e.Address, People: e.People,
			Category: e.Category, Reason: e.Reason, Colour: e.Colour, Owners: []string{}, ListedAt: e.ListedAt, ReviewedAt: e.ReviewedAt,
			ReviewDue: e.ReviewDue, Overdue: e.Overdue(now), PressedAt: e.PressedAt, DelistedAt: e.DelistedAt, Sweep: e.Sweep, Version: e.Version}
		if u := tree.Unit(e.UnitID); u != nil {
			out[i].Unit = u.Code
		}
		for _, id := range e.Owners {
			if _, ok := names[id]; !ok {
				if u, err := s.Engine.Store.FindUser(ctx, id); err == nil {
					names[id] = u.Name
				}
			}
			out[i].Owners = append(out[i].Owners, names[id])
		}
	}
	return out, nil
}

// handleAPILedger lists entries: ?kind=, ?colour=, ?unit=CODE, ?due=1
// (review past due), ?delisted=1, ?page=.
func (s *Server) handleAPILedger(c echo.Context) error {
	list, total, err := s.Ledger.List(c.Request().Context(), actor(c), s.ledgerFilter(c), c.Request().URL.Path)
	if err != nil {
		return err
	}
	out, err := s.apiEntries(c, list...)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": total, "entries": out})
}

// handleAPILedgerAdd lists an entry from a JSON body (see ledger.NewEntry).
func (s *Server) handleAPILedgerAdd(c echo.Context) error {
	var n ledger.NewEntry
	if err := decodeJSON(c, &n); err != nil {
		return err
	}
	e, err := s.Ledger.Add(c.Request().Context(), actor(c), &n)
	if err != nil {
		return err
	}
	return s.apiEntryReply(c, http.StatusCreated, e.ID)
}

// apiRecord is a record of an entry's history, as the API gives it.
type apiRecord struct {
	Kind       ledger.RecordKind `json:"kind"`
	At         time.Time         `json:"at"`
	Actor      string            `json:"actor"`
	Method     string            `json:"method,omitempty"`
	Findings   string            `json:"findings,omitempty"`
	ColourFrom ledger.Colour     `json:"colour_from,omitempty"`
	ColourTo   ledger.Colour     `json:"colour_to,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	Approver   string            `json:"approver,omitempty"`
}

// apiEntryReply answers with an entry, its history and its person's cases
// by number.
func (s *Server) apiEntryReply(c echo.Context, status int, id int64) error {
	v, err := s.Ledger.Show(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out, err := s.apiEntries(c, v.Entry)
	if err != nil {
		return err
	}
	records := make([]apiRecord, len(v.Records))
	for i, r := range v.Records {
		records[i] = apiRecord{Kind: r.Kind, At: r.At, Actor: r.ActorName, Method: r.Method, Findings: r.Findings,
			ColourFrom: r.ColourFrom, ColourTo: r.ColourTo, Reason: r.Reason, Approver: r.Approver}
	}
	cases := make([]map[string]any, len(v.Cases))
	for i, k := range v.Cases {
		cases[i] = map[string]any{"id": k.ID, "number": k.Number, "state": k.State, "url": fmt.Sprintf("/api/v1/cases/%d", k.ID)}
	}
	return c.JSON(status, map[string]any{"entry": out[0], "records": records, "cases": cases})
}

// handleAPILedgerEntry gives one entry.
func (s *Server) handleAPILedgerEntry(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Errorf(engine.ENOTFOUND, "台账条目不存在。")
	}
	return s.apiEntryReply(c, http.StatusOK, id)
}

// handleAPILedgerContact records a contact from a JSON body (see
// ledger.Contact).
func (s *Server) handleAPILedgerContact(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Errorf(engine.ENOTFOUND, "台账条目不存在。")
	}
	var body ledger.Contact
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if _, err := s.Ledger.RecordContact(c.Request().Context(), actor(c), id, &body); err != nil {
		return err
	}
	return s.apiEntryReply(c, http.StatusCreated, id)
}

// handleAssess shows the week's 研判 of the user's town or county, the week
// ending now or at the end of ?week=YYYY-MM-DD, printable for the weekly
// 会商.
func (s *Server) handleAssess(c echo.Context) error {
	to := s.Engine.Now()
	if w := c.QueryParam("week"); w != "" {
		day, err := time.ParseInLocation(time.DateOnly, w, s.Engine.Location)
		if err != nil {
			return engine.Invalid("week", "日期“%s”应如 2026-12-06。", w)
		}
		to = day.AddDate(0, 0, 1)
	}
	a, err := s.Ledger.Assess(c.Request().Context(), actor(c), to)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewAssess, "矛盾纠纷研判", a)
}
