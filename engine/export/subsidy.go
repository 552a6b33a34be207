package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/subsidy"
)

// SubsidySections lays a subsidy sheet out as its tables: by mediator, by
// committee, and case by case with what changed each.
func SubsidySections(sh *subsidy.Sheet) []Section {
	gradeHeader := func(first ...string) []string {
		out := append(first, "件数")
		for _, g := range engine.SubsidyGrades {
			out = append(out, g.Label)
		}
		return append(out, "金额(元)")
	}
	sumRow := func(sum *subsidy.Sum, first ...string) []string {
		out := append(first, strconv.Itoa(sum.Cases))
		for _, g := range engine.SubsidyGrades {
			out = append(out, strconv.Itoa(sum.ByGrade[g.Key]))
		}
		return append(out, engine.Yuan(sum.Net))
	}
	meds := Section{Name: "按调解员", Header: gradeHeader("调解员", "调解委员会")}
	for _, m := range sh.ByMediator {
		meds.Rows = append(meds.Rows, sumRow(m, m.Name, m.Committee))
	}
	meds.Rows = append(meds.Rows, sumRow(&sh.Total, "合计", ""))
	committees := Section{Name: "按调解委员会", Header: gradeHeader("调解委员会")}
	for _, c := range sh.ByCommittee {
		committees.Rows = append(committees.Rows, sumRow(c, c.Name))
	}
	committees.Rows = append(committees.Rows, sumRow(&sh.Total, "合计"))
	lines := Section{Name: "明细", Header: []string{"案件编号", "调解员", "难度", "归档时间", "本期核发(元)", "本期调整", "本期调整(元)", "本期合计(元)"}}
	for _, l := range sh.Lines {
		var changes []string
		var changed int64
		for _, a := range l.Adjustments {
			changes = append(changes, a.Label()+"（"+a.Reason+"）")
			changed += a.Amount
		}
		lines.Rows = append(lines.Rows, []string{l.CaseNumber, l.MediatorName, engine.SubsidyGradeLabel(l.Grade),
			l.EarnedAt.In(sh.Location).Format("2006-01-02"), engine.Yuan(l.Earned), strings.Join(changes, "；"), engine.Yuan(changed), engine.Yuan(l.Net)})
	}
	return []Section{meds, committees, lines}
}

func subsidyTitle(sh *subsidy.Sheet) string {
	return fmt.Sprintf("%s %s 以案定补", sh.Unit.Name, sh.Period.Key)
}

// SubsidyCSV writes a subsidy sheet as CSV.
func SubsidyCSV(w io.Writer, sh *subsidy.Sheet) error {
	return sectionsCSV(w, subsidyTitle(sh), SubsidySections(sh))
}

// SubsidyXLSX writes a subsidy sheet as a workbook.
func SubsidyXLSX(w io.Writer, sh *subsidy.Sheet) error {
	return sectionsXLSX(w, subsidyTitle(sh), SubsidySections(sh))
}

// SubsidyText writes a subsidy sheet as aligned text.
func SubsidyText(w io.Writer, sh *subsidy.Sheet) error {
	return sectionsText(w, subsidyTitle(sh), SubsidySections(sh))
}
