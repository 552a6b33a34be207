package engine

import (
	"slices"
	"strings"
	"unicode"
)

// Lists are the configurable lists of DESIGN §5: the dispute categories, the
// sources with the Ministry of Justice's roll-up, and the case flags. A
// deployment may add to the defaults (继承, 村务管理, …); what the Ministry's
// table lacks counts under 其他 there.
type Lists struct {
	Categories []Category
	Sources    []Source
	Flags      []Flag
}

// Category is a dispute category (纠纷类型) and the Ministry's category it
// counts under.
type Category struct {
	Name string
	MOJ  string
}

// Source is where a dispute comes from (来源) and the Ministry's source it
// rolls up into: 主动调解, 依申请调解 or 委托移送调解.
type Source struct {
	Name string
	MOJ  string
}

// Flag marks a case (民转刑倾向, …), stored by its key.
type Flag struct {
	Key  string
	Name string
	// Aliases are older names that read as this flag.
	Aliases []string
}

// The Ministry's sources.
const (
	MOJActive    = "主动调解"
	MOJApplied   = "依申请调解"
	MOJEntrusted = "委托移送调解"
)

// MOJSources are the Ministry's three sources, in its table's order.
var MOJSources = []string{MOJActive, MOJApplied, MOJEntrusted}

// MOJCategories are the Ministry of Justice's 15 categories in its table's
// order.
var MOJCategories = []string{"婚姻家庭", "邻里", "房屋宅基地", "合同", "生产经营", "损害赔偿", "山林土地",
	"征地拆迁", "环境污染", "劳动争议", "消费", "医疗", "道路交通事故", "物业", "其他"}

// Case flags, stored by these keys. The first four are the Ministry's
// prevention columns.
const (
	FlagCivilToCriminal = "civil_to_criminal" // 民转刑倾向
	FlagGroupPetition   = "group_petition"    // 群体性上访倾向
	FlagGroupFight      = "group_fight"       // 群体性械斗倾向
	FlagSuicide         = "suicide"           // 自杀倾向
	FlagDeath           = "death"             // 涉及死亡
)

// SourceSweep is the source of the disputes the monthly sweeps (拉网式排查)
// find: those settled count as prevented (预防纠纷数).
const SourceSweep = "网格排查"

// SourceApplication is the source of a party's own application, at the
// desk or online.
const SourceApplication = "当事人申请"

// DefaultLists are DESIGN §5's lists.
var DefaultLists = Lists{
	Categories: func() []Category {
		out := make([]Category, len(MOJCategories))
		for i, c := range MOJCategories {
			out[i] = Category{c, c}
		}
		return out
	}(),
	Sources: []Source{{SourceApplication, MOJApplied}, {SourceSweep, MOJActive}, {"门前调", MOJActive},
		{"公安移交(警调)", MOJEntrusted}, {"法院委派(诉调)", MOJEntrusted}, {"信访转办(访调)", MOJEntrusted},
		{"12345/部门转办", MOJEntrusted}},
	Flags: []Flag{
		{FlagCivilToCriminal, "民转刑倾向", nil},
		{FlagGroupPetition, "群体性上访倾向", []string{"群体性倾向", "group_incident"}},
		{FlagGroupFight, "群体性械斗倾向", nil},
		{FlagSuicide, "自杀倾向", nil},
		{FlagDeath, "涉及死亡", nil},
	},
}

// CategoryNames lists the categories' names in order.
func (l Lists) CategoryNames() []string {
	out := make([]string, len(l.Categories))
	for i, c := range l.Categories {
		out[i] = c.Name
	}
	return out
}

// SourceNames lists the sources' names in order.
func (l Lists) SourceNames() []string {
	out := make([]string, len(l.Sources))
	for i, s := range l.Sources {
		out[i] = s.Name
	}
	return out
}

// CategoryMOJ returns the Ministry's category a category counts under:
// 其他 for one it lacks.
func (l Lists) CategoryMOJ(name string) string {
	for _, c := range l.Categories {
		if c.Name == name && slices.Contains(MOJCategories, c.MOJ) {
			return c.MOJ
		}
	}
	return "其他"
}

// SourceMOJ returns the Ministry's source a source rolls up into, "" for an
// unknown one.
func (l Lists) SourceMOJ(name string) string {
	for _, s := range l.Sources {
		if s.Name == name {
			return s.MOJ
		}
	}
	return ""
}

// FlagKey accepts a flag by key, Chinese name or older name and returns its
// key.
func (l Lists) FlagKey(s string) (string, bool) {
	for _, f := range l.Flags {
		if f.Key == s || f.Name == s || slices.Contains(f.Aliases, s) {
			return f.Key, true
		}
	}
	return "", false
}

// FlagName returns a flag's Chinese name, the key itself for an unknown one.
func (l Lists) FlagName(key string) string {
	for _, f := range l.Flags {
		if f.Key == key {
			return f.Name
		}
	}
	return key
}

// Extend returns the lists with more categories, sources and flags, checked:
// names are new, not empty and without control characters (the store joins
// them with one), flag keys without commas (cases keep their flags joined
// by them), sources roll up into one of the Ministry's, and a category
// counts under one of its (其他 by default).
func (l Lists) Extend(more Lists) (Lists, error) {
	out := Lists{Categories: slices.Clone(l.Categories), Sources: slices.Clone(l.Sources), Flags: slices.Clone(l.Flags)}
	for _, c := range more.Categories {
		c.Name = strings.TrimSpace(c.Name)
		if c.MOJ == "" {
			c.MOJ = "其他"
		}
		switch {
		case c.Name == "" || slices.Contains(out.CategoryNames(), c.Name) || !plainName(c.Name):
			return l, Invalid("categories", "纠纷类型“%s”为空、重复或含有控制字符。", c.Name)
		case !slices.Contains(MOJCategories, c.MOJ):
			return l, Invalid("categories", "纠纷类型“%s”须计入司法部的15类之一，而不是“%s”。", c.Name, c.MOJ)
		}
		out.Categories = append(out.Categories, c)
	}
	for _, s := range more.Sources {
		s.Name = strings.TrimSpace(s.Name)
		switch {
		case s.Name == "" || slices.Contains(out.SourceNames(), s.Name) || !plainName(s.Name):
			return l, Invalid("sources", "案件来源“%s”为空、重复或含有控制字符。", s.Name)
		case !slices.Contains(MOJSources, s.MOJ):
			return l, Invalid("sources", "案件来源“%s”须归入%s之一。", s.Name, strings.Join(MOJSources, "、"))
		}
		out.Sources = append(out.Sources, s)
	}
	for _, f := range more.Flags {
		if _, taken := out.FlagKey(f.Key); taken || f.Key == "" || f.Name == "" || !plainName(f.Key+f.Name) || strings.Contains(f.Key, ",") {
			return l, Invalid("flags", "风险标记“%s”为空、重复，或含有逗号、控制字符。", f.Key)
		}
		out.Flags = append(out.Flags, f)
	}
	return out, nil
}

// plainName reports whether a list's name holds no control character.
func plainName(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsControl)
}
