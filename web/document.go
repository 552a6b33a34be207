package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/casefile"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// fileView is a case file laid out for its printed documents.
type fileView struct {
	File       *casefile.CaseFile
	Parties    []docParty
	Applicants string // the applicants' names, 张三、王五
	Respondent string // the respondents' names
	Mediators  string // the mediators who worked the case
	// Sources are the sources a dispute may come from, for the 受理登记表's
	// boxes.
	Sources []string
	// Docs are the documents to print, one or the whole file.
	Docs []casefile.Document
}

// docParty is a party with the particulars the documents print.
type docParty struct {
	engine.Party
	SideLabel string
	Age       int // on the document's date (see At); -1 when unknown
	Org       bool
}

// At returns the party as a document of that day prints it: with the age
// on the day, so that a reprint says what the original said.
func (p docParty) At(day time.Time) docParty {
	p.Age = p.Party.Age(day)
	return p
}

func (s *Server) fileView(c echo.Context) (*fileView, error) {
	id, err := caseID(c)
	if err != nil {
		return nil, err
	}
	f, err := s.Files.CaseFile(c.Request().Context(), actor(c), id, c.Request().URL.Path)
	if err != nil {
		return nil, err
	}
	v := &fileView{File: f, Sources: s.Engine.CurrentLists().SourceNames()}
	var apps, resps, meds []string
	for _, p := range f.Parties {
		dp := docParty{Party: p, Age: -1, Org: p.Kind == engine.KindOrg,
			SideLabel: map[string]string{engine.SideApplicant: "申请人", engine.SideRespondent: "被申请人"}[p.Side]}
		v.Parties = append(v.Parties, dp)
		if p.Side == engine.SideApplicant {
			apps = append(apps, p.Name)
		} else {
			resps = append(resps, p.Name)
		}
	}
	for _, ev := range f.Timeline {
		if ev.Role == workflow.RoleMediator && !contains(meds, ev.ActorName) {
			meds = append(meds, ev.ActorName)
		}
	}
	v.Applicants, v.Respondent, v.Mediators = strings.Join(apps, "、"), strings.Join(resps, "、"), strings.Join(meds, "、")
	return v, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// handleFile prints the whole case file (打印卷宗): every document in the
// order of its contents list.
func (s *Server) handleFile(c echo.Context) error {
	v, err := s.fileView(c)
	if err != nil {
		return err
	}
	v.Docs = v.File.Documents
	return s.render(c, http.StatusOK, viewDocument, "卷宗 · "+v.File.Case.Number, v)
}

// handleDocument prints one document of the case file.
func (s *Server) handleDocument(c echo.Context) error {
	v, err := s.fileView(c)
	if err != nil {
		return err
	}
	d, err := v.File.Document(c.Param("doc"))
	if err != nil {
		return err
	}
	v.Docs = []casefile.Document{*d}
	return s.render(c, http.StatusOK, viewDocument, d.Title+" · "+v.File.Case.Number, v)
}

// handleAgreement prints an agreement: the 人民调解协议书 or the 口头协议登记表.
func (s *Server) handleAgreement(c echo.Context) error {
	aid, err := strconv.ParseInt(c.Param("aid"), 10, 64)
	if err != nil {
		return engine.Errorf(engine.ENOTFOUND, "没有这份调解协议。")
	}
	c.SetParamNames("id", "doc")
	c.SetParamValues(c.Param("id"), "agreement-"+strconv.FormatInt(aid, 10))
	return s.handleDocument(c)
}
