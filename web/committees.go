package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/labstack/echo/v4"
)

// handleCommittees shows the committees of the user's subtree, their
// studios and members, with the forms to add or change a committee and to
// name its members.
func (s *Server) handleCommittees(c echo.Context) error {
	v := values{}
	for _, k := range []string{"edit", "members"} {
		if id := c.QueryParam(k); id != "" {
			v[k] = id
		}
	}
	return s.committeesPage(c, http.StatusOK, v, nil)
}

// committeeField reads a form's field that names a committee by id, 0
// when empty.
func committeeField(v values, field string) (int64, error) {
	if v[field] == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v[field], 10, 64)
	if err != nil {
		return 0, engine.Malformed(field, "调解委员会编号无效。")
	}
	return n, nil
}

// committees reads the committees of the user's subtree and the tree.
func (s *Server) committees(c echo.Context) ([]*registry.CommitteeEntry, *engine.Tree, error) {
	committees, err := s.Registry.Committees(c.Request().Context(), actor(c))
	if err != nil {
		return nil, nil, err
	}
	tree, err := s.Engine.Tree(c.Request().Context())
	return committees, tree, err
}

func (s *Server) committeesPage(c echo.Context, status int, v values, errs map[string]string) error {
	ctx := c.Request().Context()
	committees, tree, err := s.committees(c)
	if err != nil {
		return err
	}
	var editing, naming *registry.CommitteeEntry
	for _, cm := range committees {
		id := strconv.FormatInt(cm.ID, 10)
		if v["edit"] == id {
			editing = cm
		}
		if v["members"] == id {
			naming = cm
		}
	}
	// The committee being edited fills its form, unless the form comes back
	// refused with what was typed.
	if editing != nil && v["name"] == "" {
		v["name"], v["kind"], v["seal"], v["founded_on"] = editing.Name, editing.Kind, editing.Seal, editing.FoundedOn
	}
	roles := map[string]string{}
	var reg []*registry.Mediator
	if naming != nil {
		for _, m := range naming.Members {
			roles["m"+strconv.FormatInt(m.MediatorID, 10)] = m.Role
		}
		for k, role := range v {
			if strings.HasPrefix(k, "role_") {
				roles[strings.TrimPrefix(k, "role_")] = role
			}
		}
		if reg, err = s.Registry.Registry(ctx, actor(c), s.Engine.Now().In(s.Engine.Location).Year()); err != nil {
			return err
		}
	}
	var hosts []*engine.Unit
	for _, u := range s.ledgerUnits(c) {
		if engine.HasOwnCommittee(u) {
			hosts = append(hosts, u)
		}
	}
	paths := map[int64]string{}
	for _, cm := range committees {
		paths[cm.UnitID] = tree.Path(cm.UnitID)
	}
	return s.render(c, status, viewCommittees, "调解组织", map[string]any{"Committees": committees, "Paths": paths, "Hosts": hosts,
		"Kinds": engine.CommitteeKinds, "Added": []string{engine.CommitteeEnterprise, engine.CommitteeTrade, engine.CommitteeOther},
		"Editing": editing, "Naming": naming, "Registry": reg, "Roles": registry.Roles, "Chosen": roles, "V": v, "E": errs})
}

// handleCommitteeSave adds a committee or a studio, or keeps the
// particulars of the one being edited.
func (s *Server) handleCommitteeSave(c echo.Context) error {
	v := formValues(c)
	cm := &engine.Committee{Name: v["name"], Kind: v["kind"], Seal: v["seal"], FoundedOn: v["founded_on"]}
	var err error
	if cm.ID, err = committeeField(v, "edit"); err != nil {
		return err
	}
	if cm.StudioOf, err = committeeField(v, "studio_of"); err != nil {
		return err
	}
	if tree, err := s.Engine.Tree(c.Request().Context()); err == nil {
		if u := tree.ByCode(v["unit"]); u != nil {
			cm.UnitID = u.ID
		}
	}
	err = s.Registry.SaveCommittee(c.Request().Context(), actor(c), cm)
	if engine.ErrorCode(err) == engine.EINVALID {
		return s.committeesPage(c, http.StatusUnprocessableEntity, v, engine.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessionFlash, "已保存“"+cm.Name+"”。")
	return c.Redirect(http.StatusSeeOther, "/committees")
}

// handleCommitteeMembers names a committee's members: each mediator of the
// registry with a role (role_<key>), or none. An account not yet on the
// registry is put on it first.
func (s *Server) handleCommitteeMembers(c echo.Context) error {
	ctx := c.Request().Context()
	v := formValues(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Malformed("id", "调解委员会编号无效。")
	}
	v["members"] = c.Param("id")
	var members []registry.Member
	for k, role := range v {
		key, ok := strings.CutPrefix(k, "role_")
		if !ok || role == "" {
			continue
		}
		row, user, ok := parseKey(key)
		if !ok {
			return engine.Malformed("members", "调解员编号无效。")
		}
		if row == 0 {
			m := &registry.Mediator{UserID: user}
			if err := s.Registry.Save(ctx, actor(c), m); err != nil {
				return err
			}
			row = m.ID
		}
		members = append(members, registry.Member{MediatorID: row, Role: role})
	}
	err = s.Registry.SetMembers(ctx, actor(c), id, members)
	if engine.ErrorCode(err) == engine.EINVALID {
		return s.committeesPage(c, http.StatusUnprocessableEntity, v, engine.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionFlash, "已保存成员，共"+strconv.Itoa(len(members))+"人。")
	return c.Redirect(http.StatusSeeOther, "/committees")
}

// handleAPICommittees lists the committees of the user's subtree with
// their members.
func (s *Server) handleAPICommittees(c echo.Context) error {
	committees, tree, err := s.committees(c)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(committees))
	for i, cm := range committees {
		studioOf := ""
		if p := tree.Committee(cm.StudioOf); p != nil {
			studioOf = p.Name
		}
		members := cm.Members
		if members == nil {
			members = []registry.Member{}
		}
		out[i] = map[string]any{"id": cm.ID, "name": cm.Name, "kind": cm.Kind, "kind_label": cm.KindLabel(), "unit": tree.Unit(cm.UnitID).Code,
			"seal": cm.Seal, "founded_on": cm.FoundedOn, "studio_of": studioOf, "members": members}
	}
	return c.JSON(http.StatusOK, map[string]any{"committees": out})
}

// committeeChoices are the committees and studios a mediator of the
// registry may serve: those of the user's subtree.
func (s *Server) committeeChoices(c echo.Context) []*engine.Committee {
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return nil
	}
	return tree.CommitteesUnder(actor(c).UnitID)
}
