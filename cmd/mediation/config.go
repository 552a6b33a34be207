package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/notify"
)

// Config is the optional configuration file (--config): deadlines per town,
// the working-day calendar, routing thresholds and the scheduler's interval.
// Everything left out keeps the defaults of DESIGN §4.
type Config struct {
	TimeZone      string `json:"time_zone"`
	SweepInterval string `json:"sweep_interval"`
	// Sessions end after session_lifetime (12h by default) however busy,
	// and after session_idle (2h) unused.
	SessionLifetime string `json:"session_lifetime"`
	SessionIdle     string `json:"session_idle"`
	// TrustedProxies are the proxies (addresses or CIDR ranges) whose
	// X-Forwarded-For header names the client; no other header is believed.
	TrustedProxies []string `json:"trusted_proxies"`
	// DBPoolSize bounds the connections to PostgreSQL (the readers' on
	// SQLite); 16 by default.
	DBPoolSize int `json:"db_pool_size"`
	// AuditRetentionDays is how many days the audit trail keeps its rows
	// (0, the default, keeps them for good).
	AuditRetentionDays int `json:"audit_retention_days"`
	// Retention is how long the cases keep what they hold: the retention
	// each file's cover states (长期 by default), and the years a case
	// closed without being taken into mediation keeps its parties'
	// particulars and attachments (3 by default, 0 for good).
	Retention *struct {
		File         string `json:"file"`
		UnfiledYears *int   `json:"unfiled_years"`
	} `json:"retention"`
	// Subsidy is the 以案定补 schedule: the yuan a case archived complete
	// earns its mediator by grade (simple 50, ordinary 100, difficult 300
	// and major 500 by default). A rule grades each case at archiving
	// (engine.SubsidyGrade); the town's supervisor decides, regrading it
	// with a reason.
	Subsidy *struct {
		Amounts map[string]float64 `json:"amounts"`
	} `json:"subsidy"`
	// Notify sends notifications on to a webhook (an SMS gateway, a
	// messenger), and to the parties if they are to be told.
	Notify *NotifyConfig `json:"notify"`
	// Attachments bounds the files of cases, in MB: each (10 by default)
	// and a case's together (100).
	Attachments *struct {
		MaxMB     int64 `json:"max_mb"`
		CaseMaxMB int64 `json:"case_max_mb"`
	} `json:"attachments"`
	// Deadlines and Towns override the workflow table's deadlines, for
	// every town and for the towns by code.
	Deadlines json.RawMessage            `json:"deadlines"`
	Towns     map[string]json.RawMessage `json:"towns"`
	Calendar  struct {
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
		// CourtCloses is when the courts stop business, "17:00".
		CourtCloses string `json:"court_closes"`
	} `json:"calendar"`
	Routing *RoutingConfig `json:"routing"`
	// Lists add categories, sources (with the Ministry's roll-up) and
	// flags to the defaults of DESIGN §5.
	Lists *ListsConfig `json:"lists"`
	// Ledger sets the key persons' ledger: the days between reviews by
	// colour (red 7, orange 14, yellow 30, blue 90 by default) and the
	// categories entries are listed under, which replace the defaults.
	Ledger *struct {
		ReviewDays map[ledger.Colour]int `json:"review_days"`
		Categories []string              `json:"categories"`
	} `json:"ledger"`
}

// ledgerPolicy returns the ledger's policy the configuration sets over
// the defaults.
func (c *Config) ledgerPolicy() (ledger.Policy, error) {
	p := ledger.DefaultPolicy()
	if c.Ledger == nil {
		return p, nil
	}
	for colour, days := range c.Ledger.ReviewDays {
		if !colour.Valid() || days < 1 || days > 365 {
			return p, fmt.Errorf("配置项 ledger.review_days 应按 red、orange、yellow、blue 设为1到365天，而不是“%s”%d天", colour, days)
		}
		p.ReviewDays[colour] = days
	}
	if cats := c.Ledger.Categories; cats != nil {
		if len(cats) == 0 || slices.Contains(cats, "") {
			return p, fmt.Errorf("配置项 ledger.categories 须列出至少一个非空的列管原因")
		}
		p.Categories = cats
	}
	return p, nil
}

// NotifyConfig is where notifications are delivered.
type NotifyConfig struct {
	// Webhook receives each notification as a JSON POST.
	Webhook string `json:"webhook"`
	// Parties tells the parties with a phone on file of their case's
	// registration, acceptance and agreement.
	Parties bool `json:"parties"`
	// Interval is how often the outbox is looked at, 5s by default.
	Interval string `json:"interval"`
	// AllowHosts are the hosts on this machine or the private network a
	// partner body's webhook may name; every other such address is
	// refused.
	AllowHosts []string `json:"allow_hosts"`
}

// delivery returns the webhook and how often to deliver; its URL is ""
// when the users' notifications stay in the application, and then only the
// partners' systems, at their own addresses, are posted to.
func (c *Config) delivery() (*notify.Webhook, time.Duration, error) {
	n := c.Notify
	if n == nil || n.Webhook == "" {
		if n != nil && n.Parties {
			return nil, 0, fmt.Errorf("配置项 notify.parties 需要 notify.webhook：当事人通知只能经网关发送")
		}
		return &notify.Webhook{Client: &http.Client{CheckRedirect: notify.NoRedirects}, Partners: notify.PartnerClient(c.allowHosts())}, 5 * time.Second, nil
	}
	u, err := url.Parse(n.Webhook)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, 0, fmt.Errorf("配置项 notify.webhook“%s”不是 http(s) 地址", n.Webhook)
	}
	every := 5 * time.Second
	if n.Interval != "" {
		if every, err = time.ParseDuration(n.Interval); err != nil || every < time.Second {
			return nil, 0, fmt.Errorf("配置项 notify.interval“%s”无效，应如“5s”“1m”", n.Interval)
		}
	}
	return &notify.Webhook{URL: n.Webhook, Client: &http.Client{CheckRedirect: notify.NoRedirects}, Partners: notify.PartnerClient(n.AllowHosts)}, every, nil
}

// allowHosts are the internal hosts partners' webhooks may name.
func (c *Config) allowHosts() []string {
	if c.Notify == nil {
		return nil
	}
	return c.Notify.AllowHosts
}

// ListsConfig adds to the configurable lists.
type ListsConfig struct {
	Categories []struct {
		Name string `json:"name"`
		MOJ  string `json:"moj"`
	} `json:"categories"`
	Sources []struct {
		Name string `json:"name"`
		MOJ  string `json:"moj"`
	} `json:"sources"`
	Flags []struct {
		Key  string `json:"key"`
		Name string `json:"name"`
	} `json:"flags"`
}

// RoutingConfig overrides the routing thresholds; amounts in yuan.
type RoutingConfig struct {
	TownPeople        *int     `json:"town_people"`
	TownAmount        *float64 `json:"town_amount"`
	TownLabourWorkers *int     `json:"town_labour_workers"`
	VillageAmount     *float64 `json:"village_amount"`
	VillagePeople     *int     `json:"village_people"`
	VillageCategories []string `json:"village_categories"`
}

// overPolicy returns base with the deadlines the file sets over it: each
// state's days under the state's name, "overall", "on_overdue",
// "working_days" (see engine.Policy's UnmarshalJSON).
func overPolicy(base engine.Policy, raw json.RawMessage) (engine.Policy, error) {
	p := base.Clone()
	err := json.Unmarshal(raw, &p)
	return p, err
}

// loadConfig reads a configuration file; an empty path gives the defaults.
func loadConfig(path string) (*Config, error) {
	c := &Config{}
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("读取配置文件：%w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("配置文件 %s 有误：%w", path, err)
	}
	return c, nil
}

// interval returns the scheduler's interval, five minutes by default.
func (c *Config) interval() (time.Duration, error) {
	if c.SweepInterval == "" {
		return 5 * time.Minute, nil
	}
	d, err := time.ParseDuration(c.SweepInterval)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("配置项 sweep_interval“%s”无效，应如“5m”“30s”", c.SweepInterval)
	}
	return d, nil
}

// sessions returns the sessions' lifetime and idle timeout, zero for the
// defaults.
func (c *Config) sessions() (lifetime, idle time.Duration, err error) {
	for _, v := range []struct {
		key, s string
		into   *time.Duration
	}{{"session_lifetime", c.SessionLifetime, &lifetime}, {"session_idle", c.SessionIdle, &idle}} {
		if v.s == "" {
			continue
		}
		d, err := time.ParseDuration(v.s)
		if err != nil || d < time.Minute {
			return 0, 0, fmt.Errorf("配置项 %s“%s”无效，应如“12h”“30m”", v.key, v.s)
		}
		*v.into = d
	}
	return lifetime, idle, nil
}

// proxies parses trusted_proxies: addresses or CIDR ranges.
func (c *Config) proxies() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, p := range c.TrustedProxies {
		if ip := net.ParseIP(p); ip != nil {
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("配置项 trusted_proxies 中的“%s”不是地址或网段（如 10.0.0.1、10.0.0.0/8）", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// fileRetention is the retention a file's cover may state: as the archive
// rules name them, or a number of years.
var fileRetention = regexp.MustCompile(`^(永久|长期|短期|[1-9][0-9]?[0-9]?年)$`)

// defaultUnfiledYears is how long a case closed without being taken into
// mediation keeps its parties' particulars when the configuration is
// silent.
const defaultUnfiledYears = 3

// retention returns the retention rules the configuration sets.
func (c *Config) retention() (engine.Retention, error) {
	r := engine.Retention{UnfiledYears: defaultUnfiledYears}
	if c.Retention == nil {
		return r, nil
	}
	if f := c.Retention.File; f != "" && !fileRetention.MatchString(f) {
		return r, fmt.Errorf("配置项 retention.file“%s”无效，应为“永久”“长期”“短期”或年数如“30年”", f)
	}
	r.File = c.Retention.File
	if y := c.Retention.UnfiledYears; y != nil {
		if *y < 0 || *y > 100 {
			return r, fmt.Errorf("配置项 retention.unfiled_years 应为0（永久保留）到100之间的年数")
		}
		r.UnfiledYears = *y
	}
	return r, nil
}

// subsidies returns the 以案定补 schedule the configuration sets over the
// defaults.
func (c *Config) subsidies() (engine.SubsidySchedule, error) {
	s := engine.DefaultSubsidies()
	if c.Subsidy == nil {
		return s, nil
	}
	for grade, amount := range c.Subsidy.Amounts {
		if _, ok := s[grade]; !ok || amount < 0 || amount > 100000 {
			return s, fmt.Errorf("配置项 subsidy.amounts 应按 simple、ordinary、difficult、major 设为0到100000元，而不是“%s”%v元", grade, amount)
		}
		s[grade] = engine.FenFromYuan(amount)
	}
	return s, nil
}

// location is the configured time zone, nil for the engine's default.
func (c *Config) location() (*time.Location, error) {
	if c.TimeZone == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("配置项 time_zone“%s”无效", c.TimeZone)
	}
	return loc, nil
}

// configure copies the configuration onto the engine, after checking it.
func (c *Config) configure(e *engine.Engine) (err error) {
	if e.Subsidies, err = c.subsidies(); err != nil {
		return err
	}
	if c.AuditRetentionDays < 0 {
		return fmt.Errorf("配置项 audit_retention_days 不能为负数")
	}
	e.AuditRetention = time.Duration(c.AuditRetentionDays) * 24 * time.Hour
	if e.Retention, err = c.retention(); err != nil {
		return err
	}
	hook, _, err := c.delivery()
	if err != nil {
		return err
	}
	e.Deliver, e.NotifyParties = hook.URL != "", hook.URL != "" && c.Notify.Parties
	e.WebhookHosts = c.allowHosts()
	if a := c.Attachments; a != nil {
		if a.MaxMB < 1 || a.CaseMaxMB < a.MaxMB || a.CaseMaxMB > 10240 {
			return fmt.Errorf("配置项 attachments 无效：max_mb 至少为1，case_max_mb 不小于 max_mb 且不超过10240")
		}
		e.MaxAttachment, e.MaxCaseAttachments = a.MaxMB<<20, a.CaseMaxMB<<20
	}
	loc, err := c.location()
	if err != nil {
		return err
	}
	e.Location = cmp.Or(loc, e.Location)
	if l := c.Lists; l != nil {
		var more engine.Lists
		for _, x := range l.Categories {
			more.Categories = append(more.Categories, engine.Category{Name: x.Name, MOJ: x.MOJ})
		}
		for _, x := range l.Sources {
			more.Sources = append(more.Sources, engine.Source{Name: x.Name, MOJ: x.MOJ})
		}
		for _, x := range l.Flags {
			more.Flags = append(more.Flags, engine.Flag{Key: x.Key, Name: x.Name})
		}
		lists, err := e.Lists.Extend(more)
		if err != nil {
			return fmt.Errorf("配置项 lists：%s", engine.ErrorMessage(err))
		}
		e.Lists = lists
	}
	if c.Deadlines != nil {
		if e.Policy, err = overPolicy(e.Policy, c.Deadlines); err != nil {
			return fmt.Errorf("配置项 deadlines：%s", engine.ErrorMessage(err))
		}
	}
	if err := e.Policy.Validate(); err != nil {
		return fmt.Errorf("配置项 deadlines：%s", engine.ErrorMessage(err))
	}
	e.TownPolicies = map[string]engine.Policy{}
	for code, raw := range c.Towns {
		p, err := overPolicy(e.Policy, raw)
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			return fmt.Errorf("配置项 towns.%s：%s", code, engine.ErrorMessage(err))
		}
		e.TownPolicies[code] = p
	}
	// The configuration's days add to the national calendar: a local
	// holiday, or a year the project does not ship yet.
	e.Calendar = engine.NationalCalendar()
	for _, set := range []struct {
		days []string
		into map[string]bool
		name string
	}{{c.Calendar.Holidays, e.Calendar.Holidays, "holidays"}, {c.Calendar.Workdays, e.Calendar.Workdays, "workdays"}} {
		for _, d := range set.days {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return fmt.Errorf("配置项 calendar.%s 中的日期“%s”应为 2006-01-02 格式", set.name, d)
			}
			set.into[d] = true
		}
	}
	if s := c.Calendar.CourtCloses; s != "" {
		hm, err := time.Parse("15:04", s)
		if err != nil || hm.Hour() == 0 && hm.Minute() == 0 {
			return fmt.Errorf("配置项 calendar.court_closes“%s”应为 17:00 这样的时刻", s)
		}
		e.Calendar.CourtCloses = time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute
	}
	if r := c.Routing; r != nil {
		for _, f := range []struct {
			src *int
			dst *int
		}{{r.TownPeople, &e.Routing.TownPeople}, {r.TownLabourWorkers, &e.Routing.TownLabourWorkers}, {r.VillagePeople, &e.Routing.VillagePeople}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if r.TownAmount != nil {
			e.Routing.TownAmount = engine.FenFromYuan(*r.TownAmount)
		}
		if r.VillageAmount != nil {
			e.Routing.VillageAmount = engine.FenFromYuan(*r.VillageAmount)
		}
		if r.VillageCategories != nil {
			e.Routing.VillageCategories = r.VillageCategories
		}
	}
	return nil
}
