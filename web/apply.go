package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"
)

// appliedCookie carries, from an application to the receipt after it, the
// code of the case it made, in the applicant's browser alone (a visitor
// has no session kept): a reload shows the receipt again instead of
// sending the application twice.
const appliedCookie = "mediation_applied"

// villageChoice is a village (community) the application form offers,
// with its grids.
type villageChoice struct {
	Town, Name string
	Grids      []*engine.Unit
}

// applyView is the application form: what was typed, what to fix, and the
// places to choose from (those of the unit a village's QR code names, or
// every town's).
type applyView struct {
	V          values
	E          map[string]string
	Villages   []villageChoice
	Categories []string
	Unit       string
	Error      string
}

// applyPlaces are the villages and grids an application may name: under
// the unit with code, or everywhere when it names none.
func (s *Server) applyPlaces(c echo.Context, code string) ([]villageChoice, error) {
	t, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return nil, err
	}
	var out []villageChoice
	for _, u := range t.Units() {
		if u.Level != workflow.LevelVillage || u.ClosedAt != nil {
			continue
		}
		if root := t.ByCode(code); root != nil && !t.Contains(root.ID, u.ID) && !t.Contains(u.ID, root.ID) {
			continue
		}
		v := villageChoice{Town: engine.NameOf(t.Town(u.ID)), Name: u.Name}
		for _, g := range t.OpenChildren(u.ID) {
			if root := t.ByCode(code); root == nil || root.Level != workflow.LevelGrid || root.ID == g.ID {
				v.Grids = append(v.Grids, g)
			}
		}
		if len(v.Grids) > 0 {
			out = append(out, v)
		}
	}
	return out, nil
}

func (s *Server) applyPage(c echo.Context, status int, v values, errs map[string]string, msg string) error {
	unit := c.QueryParam("unit")
	if unit == "" {
		unit = v["unit"]
	}
	places, err := s.applyPlaces(c, unit)
	if err != nil {
		return err
	}
	return s.render(c, status, viewApply, "申请调解", applyView{V: v, E: errs, Villages: places,
		Categories: s.Engine.CurrentLists().CategoryNames(), Unit: unit, Error: msg})
}

// handleApplyForm shows the application form, for the village a QR code
// names (/apply?unit=CODE) or for anywhere.
func (s *Server) handleApplyForm(c echo.Context) error {
	return s.applyPage(c, http.StatusOK, values{}, nil, "")
}

// application reads the application the form or the API gives.
func application(v values) *form.Application {
	return &form.Application{Location: v["location"], Category: v["category"], Summary: v["summary"], Requests: v["requests"],
		Applicant: form.Party{Name: v["applicant.name"], Phone: v["applicant.phone"], IDNumber: v["applicant.id_number"],
			Address: v["applicant.address"]},
		Other: form.Party{Name: v["other.name"], Phone: v["other.phone"], Address: v["other.address"]}}
}

// handleApply registers a party's application with its photos, and shows
// the receipt: the code to follow it by. A refused one comes back filled
// in, saying what to fix.
func (s *Server) handleApply(c echo.Context) error {
	v := formValues(c)
	files, closeFiles, err := uploads(c)
	if err != nil {
		return err
	}
	defer closeFiles()
	k, err := s.Parties.Apply(c.Request().Context(), application(v), files, c.RealIP())
	switch engine.ErrorCode(err) {
	case "":
	case engine.EINVALID, engine.ETOOLARGE, engine.EUNSUPPORTED:
		errs := engine.ErrorFields(err)
		if len(errs) == 0 {
			errs = map[string]string{"files": engine.ErrorMessage(err)}
		}
		return s.applyPage(c, http.StatusUnprocessableEntity, v, errs, "")
	case engine.ETOOMANY:
		return s.applyPage(c, http.StatusTooManyRequests, v, nil, engine.ErrorMessage(err))
	default:
		return err
	}
	c.SetCookie(&http.Cookie{Name: appliedCookie, Value: k.Code, Path: "/apply/done", MaxAge: 3600, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, "/apply/done")
}

// handleApplyDone shows the receipt of the application just made.
func (s *Server) handleApplyDone(c echo.Context) error {
	ctx := c.Request().Context()
	ck, err := c.Cookie(appliedCookie)
	if err != nil {
		return c.Redirect(http.StatusSeeOther, "/apply")
	}
	k, err := s.Parties.Applied(ctx, ck.Value)
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		return c.Redirect(http.StatusSeeOther, "/apply")
	}
	if err != nil {
		return err
	}
	t, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewApplied, "申请已提交", map[string]any{"Case": k, "Town": engine.NameOf(t.Town(k.LocationUnitID))})
}

// handleAPIApplication takes an application as JSON: the same checks and
// limits as the form, without files (a party adds them from the look-up).
func (s *Server) handleAPIApplication(c echo.Context) error {
	var ap form.Application
	if err := decodeJSON(c, &ap); err != nil {
		return err
	}
	k, err := s.Parties.Apply(c.Request().Context(), &ap, nil, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"number": k.Number, "code": k.Code, "state": k.State,
		"lookup": "/lookup?code=" + url.QueryEscape(k.Code)})
}

// handleApplyPoster prints a village's poster: its name, what the code is
// for, and the QR code of its application form.
func (s *Server) handleApplyPoster(c echo.Context) error {
	t, u, err := s.queryUnit(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewPoster, "扫码申请调解", map[string]any{"Unit": u, "Town": engine.NameOf(t.Town(u.ID)),
		"Link": s.applyLink(c, u.Code), "Committee": t.CommitteeOf(u.ID)})
}

// queryUnit finds the unit the address's ?unit= names.
func (s *Server) queryUnit(c echo.Context) (*engine.Tree, *engine.Unit, error) {
	t, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return nil, nil, err
	}
	u, err := t.Find("unit", c.QueryParam("unit"))
	return t, u, err
}

// applyLink is the address of the application form for the unit with
// code, as this server is reached.
func (s *Server) applyLink(c echo.Context, code string) string {
	return c.Scheme() + "://" + c.Request().Host + "/apply?" + url.Values{"unit": {code}}.Encode()
}

// handleApplyQR draws the QR code of a unit's application form.
func (s *Server) handleApplyQR(c echo.Context) error {
	_, u, err := s.queryUnit(c)
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(s.applyLink(c, u.Code), qrcode.Medium, 512)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/png", png)
}

// partyActs are the steps a party takes from the look-up page, by the
// address's last part.
var partyActs = map[string]workflow.Activity{"message": workflow.PartyMessage, "confirm": workflow.PartyConfirm,
	"rate": workflow.PartyRating}

// handlePartyAct records a party's message (with files), confirmation of
// performance or rating, after the same checks of the code and phone as
// the look-up, and shows the look-up again.
func (s *Server) handlePartyAct(c echo.Context) error {
	act, ok := partyActs[c.Param("act")]
	if !ok {
		return echo.ErrNotFound
	}
	v := formValues(c)
	files, closeFiles, err := uploads(c)
	if err != nil {
		return err
	}
	defer closeFiles()
	in := engine.Input{Note: v["note"], Files: files}
	if act == workflow.PartyRating {
		in.Rating = &engine.Rating{Value: v["rating"], Comment: v["comment"]}
	}
	return s.lookup(c, func() (string, error) {
		_, err := s.Parties.Act(c.Request().Context(), v["code"], v["phone"], act, in)
		return partyActDone[act], err
	})
}

// partyActDone is what a party is told once a step is recorded.
var partyActDone = map[workflow.Activity]string{workflow.PartyMessage: "已收到您的留言，承办调解组织会看到。",
	workflow.PartyConfirm: "已记录您的履行确认，调解员回访后结案。", workflow.PartyRating: "谢谢您的评价。"}

// applyBodyLimit bounds the body of a party's form: its files together
// (apply.ApplyBytes) and the fields around them.
func applyBodyLimit() string { return strconv.Itoa(apply.ApplyBytes/1024+64) + "K" }
