package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/labstack/echo/v4"
)

// registryYear is the year the registry is read for: ?year=, this year by
// default.
func (s *Server) registryYear(c echo.Context) (int, error) {
	year := s.Engine.Now().In(s.Engine.Location).Year()
	if y := c.QueryParam("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > year {
			return 0, engine.Invalid("year", "年份“%s”无效。", y)
		}
		year = n
	}
	return year, nil
}

// handleRegistry shows the registry of the user's subtree with each
// mediator's training hours of the year, the trainings of the year, and
// the forms to keep a mediator's particulars and to record a training.
func (s *Server) handleRegistry(c echo.Context) error {
	v := values{}
	if id := c.QueryParam("edit"); id != "" {
		v["edit"] = id
	}
	return s.registryPage(c, http.StatusOK, v, nil, nil)
}

func (s *Server) registryPage(c echo.Context, status int, v values, ticked []string, errs map[string]string) error {
	ctx := c.Request().Context()
	year, err := s.registryYear(c)
	if err != nil {
		return err
	}
	reg, err := s.Registry.Registry(ctx, actor(c), year)
	if err != nil {
		return err
	}
	trainings, err := s.Registry.Trainings(ctx, actor(c), year)
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	// The row being edited fills the particulars' form, unless the form
	// comes back refused with what was typed.
	if key := v["edit"]; key != "" && v["name"] == "" {
		for _, m := range reg {
			if registryKey(m) == key {
				v["name"], v["unit"], v["phone"], v["appointed_on"], v["grade"] = m.Name, tree.Unit(m.UnitID).Code, m.Phone, m.AppointedOn, m.Grade
				if m.CommitteeID != 0 {
					v["committee"] = strconv.FormatInt(m.CommitteeID, 10)
				}
				if m.FullTime {
					v["full_time"] = "1"
				}
			}
		}
	}
	paths, serves := map[int64]string{}, map[string]string{}
	for _, m := range reg {
		paths[m.UnitID] = tree.Path(m.UnitID)
		serves[registryKey(m)] = servedCommittee(tree, m).Name
	}
	return s.render(c, status, viewRegistry, "调解员名册", map[string]any{"Year": year, "Mediators": reg, "Trainings": trainings,
		"Paths": paths, "Units": s.ledgerUnits(c), "Grades": registry.Grades, "Committees": s.committeeChoices(c), "Serves": serves,
		"V": v, "E": errs, "Ticked": ticked})
}

// registryKey names a registry row in a form: m<id> for a row kept, u<id>
// for an account without one.
func registryKey(m *registry.Mediator) string {
	if m.ID == 0 {
		return "u" + strconv.FormatInt(m.UserID, 10)
	}
	return "m" + strconv.FormatInt(m.ID, 10)
}

// parseKey reads a registryKey back.
func parseKey(key string) (row, user int64, ok bool) {
	id, err := strconv.ParseInt(key[min(1, len(key)):], 10, 64)
	switch {
	case err != nil || id <= 0:
		return 0, 0, false
	case strings.HasPrefix(key, "m"):
		return id, 0, true
	case strings.HasPrefix(key, "u"):
		return 0, id, true
	}
	return 0, 0, false
}

// handleRegistrySave keeps a mediator's particulars: a new one without an
// account, or the one being edited.
func (s *Server) handleRegistrySave(c echo.Context) error {
	v := formValues(c)
	m := &registry.Mediator{Name: v["name"], Phone: v["phone"], FullTime: v["full_time"] == "1", AppointedOn: v["appointed_on"], Grade: v["grade"]}
	var err error
	if m.CommitteeID, err = committeeField(v, "committee"); err != nil {
		return err
	}
	if key := v["edit"]; key != "" {
		row, user, ok := parseKey(key)
		if !ok {
			return engine.Malformed("edit", "调解员编号无效。")
		}
		m.ID, m.UserID = row, user
	}
	if tree, err := s.Engine.Tree(c.Request().Context()); err == nil {
		if u := tree.ByCode(v["unit"]); u != nil {
			m.UnitID = u.ID
		}
	}
	err = s.Registry.Save(c.Request().Context(), actor(c), m)
	if engine.ErrorCode(err) == engine.EINVALID {
		return s.registryPage(c, http.StatusUnprocessableEntity, v, nil, engine.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessionFlash, "已保存调解员“"+m.Name+"”的信息。")
	return c.Redirect(http.StatusSeeOther, "/registry")
}

// handleTraining records a training and who of the registry attended.
func (s *Server) handleTraining(c echo.Context) error {
	v := formValues(c)
	form, _ := c.FormParams()
	ticked := form["attendees"]
	n := &registry.NewTraining{HeldOn: v["held_on"], Topic: v["topic"]}
	hours, err := strconv.ParseFloat(strings.TrimSpace(v["hours"]), 64)
	if err != nil {
		return s.registryPage(c, http.StatusUnprocessableEntity, v, ticked, map[string]string{"hours": "培训学时应为数字，如 3.5。"})
	}
	n.Hours = hours
	for _, key := range ticked {
		row, user, ok := parseKey(key)
		switch {
		case !ok:
			return engine.Malformed("attendees", "调解员编号无效。")
		case row != 0:
			n.Mediators = append(n.Mediators, row)
		default:
			n.Accounts = append(n.Accounts, user)
		}
	}
	t, err := s.Registry.RecordTraining(c.Request().Context(), actor(c), n)
	if engine.ErrorCode(err) == engine.EINVALID {
		return s.registryPage(c, http.StatusUnprocessableEntity, v, ticked, engine.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessionFlash, "已记录培训“"+t.Topic+"”，"+strconv.Itoa(len(t.Attendees))+"人参加。")
	return c.Redirect(http.StatusSeeOther, "/registry")
}

// handleAPIMediators lists the registry of the user's subtree with each
// mediator's training hours of ?year=.
func (s *Server) handleAPIMediators(c echo.Context) error {
	year, err := s.registryYear(c)
	if err != nil {
		return err
	}
	reg, err := s.Registry.Registry(c.Request().Context(), actor(c), year)
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(reg))
	for i, m := range reg {
		out[i] = map[string]any{"name": m.Name, "unit": tree.Unit(m.UnitID).Code, "account": m.UserID != 0, "phone": m.Phone,
			"full_time": m.FullTime, "appointed_on": m.AppointedOn, "grade": m.Grade, "training_hours": m.Hours(),
			"committee": servedCommittee(tree, m).Name}
	}
	return c.JSON(http.StatusOK, map[string]any{"year": year, "mediators": out})
}

// servedCommittee is the committee a mediator of the registry serves: the
// one named, or their unit's own.
func servedCommittee(t *engine.Tree, m *registry.Mediator) *engine.Committee {
	if cm := t.Committee(m.CommitteeID); cm != nil {
		return cm
	}
	if cm := t.CommitteeOf(m.UnitID); cm != nil {
		return cm
	}
	return &engine.Committee{}
}
