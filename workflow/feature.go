package workflow

import "slices"

// Feature is a page or capability outside any one case: the menu's entries
// and the pages behind them. Who may open each is declared once, in
// FeatureTable; the engine answers from it and the web shows the menu and
// guards the pages with the same answer.
type Feature string

// The features outside cases.
const (
	// FeatureRegister opens a new dispute at the desk (或 a partner's
	// referral in).
	FeatureRegister Feature = "register"
	// FeatureDoorstep registers and settles a dispute on the spot (门前调).
	FeatureDoorstep Feature = "doorstep"
	// FeatureOverdue is the overdue list of the subtree, for 督办.
	FeatureOverdue Feature = "overdue"
	// FeatureReport is the report of the subtree and its exports.
	FeatureReport Feature = "report"
	// FeatureSweep files the month's dispute sweep (拉网式排查).
	FeatureSweep Feature = "sweep"
	// FeatureAudit reads the audit trail.
	FeatureAudit Feature = "audit"
	// FeatureConsole keeps the units, accounts, tokens and settings.
	FeatureConsole Feature = "console"
	// FeatureLedger reads the ledger of key persons, groups and places
	// (重点人员、群体、领域) of the subtree, lists entries and records
	// contacts with them.
	FeatureLedger Feature = "ledger"
	// FeatureLedgerReview takes an entry off the ledger (销号) as its
	// approver and presses an overdue review (督办).
	FeatureLedgerReview Feature = "ledger_review"
	// FeatureAssess is the weekly 研判 of a town or a county.
	FeatureAssess Feature = "assess"
	// FeatureRegistry keeps the registry of mediators, the committees and
	// the trainings.
	FeatureRegistry Feature = "registry"
	// FeatureSubsidy lists the subsidies (以案定补) and adjusts them.
	FeatureSubsidy Feature = "subsidy"
)

// FeatureRule lets roles use a feature, from units of the levels given (any
// level when Levels is empty); anyone else is told Refusal.
type FeatureRule struct {
	Feature Feature
	Roles   []Role
	Levels  []Level
	Refusal string
}

// FeatureTable declares who may use each feature.
var FeatureTable = []FeatureRule{
	{FeatureRegister, []Role{RoleIntake, RoleSupervisor, RoleMediator, RolePartner}, nil, "您的角色不能登记纠纷。"},
	{FeatureDoorstep, []Role{RoleMediator}, []Level{LevelGrid}, "门前调由网格调解员在本网格进行。"},
	{FeatureOverdue, []Role{RoleSupervisor}, nil, "超期督办供督办人员使用。"},
	{FeatureReport, []Role{RoleSupervisor}, nil, "统计报表供督办人员查看。"},
	{FeatureSweep, []Role{RoleMediator}, []Level{LevelGrid, LevelVillage, LevelTown}, "排查由网格、村（社区）和镇（街道）的调解员为本单位填报。"},
	{FeatureAudit, []Role{RoleAdmin, RoleSupervisor}, nil, "审计记录供系统管理员和督办人员查看。"},
	{FeatureConsole, []Role{RoleAdmin}, nil, "单位和账号由系统管理员维护。"},
	{FeatureLedger, []Role{RoleMediator, RoleSupervisor}, nil, "重点人员台账供调解员和督办人员使用。"},
	{FeatureLedgerReview, []Role{RoleSupervisor}, nil, "销号和督办由督办人员进行。"},
	{FeatureAssess, []Role{RoleMediator, RoleSupervisor}, []Level{LevelTown, LevelCounty}, "研判由镇（街道）和县（区）的调解员、督办人员进行。"},
	{FeatureRegistry, []Role{RoleSupervisor, RoleAdmin}, nil, "调解员名册、调解组织和培训记录由督办人员和系统管理员维护。"},
	{FeatureSubsidy, []Role{RoleSupervisor}, []Level{LevelTown, LevelCounty}, "以案定补由镇（街道）和县（区）的督办人员核发。"},
}

// May reports whether a user of role in a unit of level may use f. The
// system actor may use every feature.
func May(f Feature, role Role, level Level) bool {
	_, ok := may(f, role, level)
	return ok
}

// Refusal is what a user who may not use f is told.
func (f Feature) Refusal() string {
	r, _ := may(f, "", "")
	return r.Refusal
}

func may(f Feature, role Role, level Level) (FeatureRule, bool) {
	for _, r := range FeatureTable {
		if r.Feature == f {
			return r, role == RoleSystem || (slices.Contains(r.Roles, role) && (len(r.Levels) == 0 || slices.Contains(r.Levels, level)))
		}
	}
	return FeatureRule{}, false
}
