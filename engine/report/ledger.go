package report

// LedgerFigures are the figures of the key persons' ledger (重点人员、群体、
// 领域) of a unit's subtree for a period, beside the disputes' figures.
type LedgerFigures struct {
	// AtEnd counts the entries on the ledger at the period's end (listed
	// before it, not delisted by then) by their colour then: red, orange,
	// yellow, blue.
	AtEnd map[string]int `json:"at_end"`
	// Listed and Delisted count the entries listed and taken off (销号) in
	// the period.
	Listed   int `json:"listed"`
	Delisted int `json:"delisted"`
	// Reviews counts the contacts recorded in the period; OnTime, those
	// made by the review they answered.
	Reviews int `json:"reviews"`
	OnTime  int `json:"on_time"`
	// MajorReports counts the 专报 and 续报 sent in the period for the
	// subtree's disputes.
	MajorReports int `json:"major_reports"`
	// Prevented counts the entries a sweep found that were taken off in the
	// period while no dispute of their person had been registered since
	// they were listed: risks settled before they became disputes.
	Prevented int `json:"prevented"`
}

// add adds the figures of another unit, if any.
func (f *LedgerFigures) add(o *LedgerFigures) {
	if o == nil {
		return
	}
	for colour, n := range o.AtEnd {
		f.AtEnd[colour] += n
	}
	f.Listed += o.Listed
	f.Delisted += o.Delisted
	f.Reviews += o.Reviews
	f.OnTime += o.OnTime
	f.MajorReports += o.MajorReports
	f.Prevented += o.Prevented
}
