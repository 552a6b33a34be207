package engine

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/grassroots/mediation/workflow"
)

// PartnerKind is a kind of partner body of the 141 linkage: its name, the
// key its units' codes are made with, and the source (来源) a dispute it
// refers into mediation is registered under.
type PartnerKind struct {
	Name   string
	Key    string
	Source string
}

// PartnerKinds are the partner bodies a town works with (DESIGN §3), in the
// order forms offer them. The police and the traffic police refer 警调
// cases, the court 诉调, the petition office 访调, the others 部门转办.
var PartnerKinds = []PartnerKind{
	{"派出所", "PCS", "公安移交(警调)"},
	{"法庭", "FT", "法院委派(诉调)"},
	{"信访办", "XFB", "信访转办(访调)"},
	{"劳动仲裁", "LDZC", "12345/部门转办"},
	{"市场监管", "SCJG", "12345/部门转办"},
	{"交警", "JJ", "公安移交(警调)"},
	{"其他部门", "QT", "12345/部门转办"},
}

// PartnerKindNames lists the kinds' names in order.
func PartnerKindNames() []string {
	out := make([]string, len(PartnerKinds))
	for i, k := range PartnerKinds {
		out[i] = k.Name
	}
	return out
}

// PartnerKindNamed returns the kind named name.
func PartnerKindNamed(name string) (PartnerKind, bool) {
	for _, k := range PartnerKinds {
		if k.Name == name {
			return k, true
		}
	}
	return PartnerKind{}, false
}

// validatePartner checks a partner body: a kind of PartnerKinds, under a
// town or a county, with a webhook address the server can post to, if any.
func (u *Unit) validatePartner(parent *Unit) error {
	switch {
	case u.CasePrefix != "":
		return Invalid("case_prefix", "只有镇(街道)设案号前缀。")
	case !slices.Contains(PartnerKindNames(), u.Kind):
		return Invalid("kind", "联动单位类别须为以下之一：%s。", strings.Join(PartnerKindNames(), "、"))
	case parent == nil || (parent.Level != workflow.LevelTown && parent.Level != workflow.LevelCounty):
		return Invalid("parent", "联动单位须挂在镇(街道)或县(区)之下。")
	}
	if u.Webhook != "" {
		w, err := url.Parse(u.Webhook)
		if err != nil || (w.Scheme != "https" && w.Scheme != "http") || w.Host == "" {
			return Invalid("webhook", "推送地址须为 http:// 或 https:// 开头的网址。")
		}
	}
	return nil
}

// InternalHost reports whether host (a name or an address) is on this
// machine, its link (169.254.0.0/16, where clouds answer for their
// metadata) or a private network: a webhook there would let whoever sets
// partners' addresses reach what only the server can.
func InternalHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsMulticast() || netip.MustParsePrefix("100.64.0.0/10").Contains(ip)
}

// WebhookAllowed reports whether a partner's webhook may reach host: any
// host outside, and one inside (InternalHost) that allowed names.
func WebhookAllowed(host string, allowed []string) bool {
	return !InternalHost(host) || slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, host) })
}

// checkWebhook refuses a partner's webhook on this machine or the private
// network, unless the configuration allows its host by name.
func (e *Engine) checkWebhook(hook string) error {
	if hook == "" {
		return nil
	}
	u, err := url.Parse(hook)
	if err != nil {
		return Invalid("webhook", "推送地址须为 http:// 或 https:// 开头的网址。")
	}
	if !WebhookAllowed(u.Hostname(), e.WebhookHosts) {
		return Invalid("webhook", "推送地址“%s”指向本机或内部网络，不能使用；如确需推送到内部系统，请由运维人员在配置的 notify.allow_hosts 中列出该主机名。", u.Hostname())
	}
	return nil
}

// Partners returns the open partner bodies a case located at id may be
// referred to: those of its town and of the town's county, ordered by code.
func (t *Tree) Partners(id int64) []*Unit {
	var out []*Unit
	town := t.Town(id)
	if town == nil {
		return nil
	}
	for _, at := range []int64{town.ID, town.ParentID} {
		for _, p := range t.partners[at] {
			if p.ClosedAt == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// PartnersAround returns the partner bodies the cases of a unit's subtree
// may be referred to: those attached to a unit of the subtree or above it.
func (t *Tree) PartnersAround(id int64) []int64 {
	var out []int64
	add := func(at int64) {
		for _, p := range t.partners[at] {
			out = append(out, p.ID)
		}
	}
	for _, u := range t.Subtree(id) {
		add(u)
	}
	for u := t.Unit(id); u != nil && u.ParentID != 0; u = t.Unit(u.ParentID) {
		add(u.ParentID)
	}
	return out
}

// PartnersUnder returns every partner body attached to the unit, closed
// ones too, ordered by code.
func (t *Tree) PartnersUnder(id int64) []*Unit { return t.partners[id] }

// Partner finds the partner body a case is referred to by its code, or by
// its kind's name among the partners of the case's town (the word a desk
// or an older system uses).
func (t *Tree) Partner(c *Case, name string) (*Unit, error) {
	offered := t.Partners(c.LocationUnitID)
	for _, p := range offered {
		if p.Code == name {
			return p, nil
		}
	}
	for _, p := range offered {
		if p.Kind == name {
			return p, nil
		}
	}
	if len(offered) == 0 {
		return nil, Invalid("partner", "本镇(街道)尚未设置联动单位，请系统管理员先在单位管理中添加。")
	}
	names := make([]string, len(offered))
	for i, p := range offered {
		names[i] = p.Name
	}
	return nil, Invalid("partner", "请选择移交单位（%s）。", strings.Join(names, "、"))
}

// atPartner reports whether the actor is the liaison of the partner body
// the case waits on now.
func atPartner(a Actor, c *Case) bool {
	return a.Role == workflow.RolePartner && a.UnitID != 0 && a.UnitID == c.PartnerUnitID
}

// partnerSees reports, without the store, whether a partner's liaison sees
// the case: it waits on their body or their body sent it in. A case
// referred to their body before is seen too, which the store tells (see
// FindCase).
func partnerSees(a Actor, c *Case) bool {
	return a.UnitID != 0 && (a.UnitID == c.PartnerUnitID || a.UnitID == c.SenderUnitID)
}

// partnerEvents are the timeline entries whose details a partner's liaison
// reads: the referral's own. Of the others it sees what happened and when,
// not the mediation's details, which are the parties' and the mediators'.
var partnerEvents = []workflow.Step{workflow.Refer.Step(), workflow.Return.Step(), workflow.PartnerClose.Step(), workflow.Sign.Step()}

// ForPartner returns the timeline as a partner's liaison reads it: the
// referrals' entries and the partners' own notes whole, the others without
// their reasons and data.
func ForPartner(evs []*Event) []*Event {
	out := make([]*Event, len(evs))
	for i, ev := range evs {
		if slices.Contains(partnerEvents, ev.Name) || ev.Role == workflow.RolePartner {
			out[i] = ev
			continue
		}
		v := *ev
		v.Reason, v.Data = "", EventData{}
		out[i] = &v
	}
	return out
}

// SharedWith keeps the agreements a partner's liaison reads: the terms are
// the parties', and reach the body that referred the dispute in only when
// the parties agreed to tell it.
func SharedWith(a Actor, c *Case, ags []*Agreement) []*Agreement {
	var out []*Agreement
	for _, ag := range ags {
		if ag.Shared && c.SenderUnitID == a.UnitID {
			out = append(out, ag)
		}
	}
	return out
}

// PartnerSource is the source a dispute the partner body refers in is
// registered under.
func PartnerSource(p *Unit) string {
	k, _ := PartnerKindNamed(p.Kind)
	return k.Source
}
