package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/notify"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// handleAPIAction fires an event or records an activity from JSON, and
// answers with the case as it is after it.
func (s *Server) handleAPIAction(c echo.Context) error {
	// The case is read once, inside the transaction of the change, which
	// answers 404 for one the caller does not see.
	id, err := caseID(c)
	if err != nil {
		return err
	}
	var body form.Action
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in, err := body.Input(s.Engine.Location)
	if err != nil {
		return err
	}
	name := c.Param("name")
	if name == string(workflow.Attach) {
		return engine.Malformed("file", "附件请以 multipart/form-data 上传至 /api/v1/cases/%d/attachments。", id)
	}
	var next *engine.Case
	switch c.Param("kind") {
	case "events", "activities":
	default:
		return echo.ErrNotFound
	}
	if c.Param("kind") == "events" {
		next, err = s.Engine.Fire(c.Request().Context(), actor(c), id, workflow.Event(name), in)
	} else {
		next, err = s.Engine.Record(c.Request().Context(), actor(c), id, workflow.Activity(name), in)
	}
	if err != nil {
		return err
	}
	out, err := s.apiCases(c, next)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out[0])
}

// decodeJSON reads a request's JSON body into v, strictly: the body is
// declared as JSON, is one value with nothing after it, names no key twice
// in one object (which a reader would take one way and a proxy or a log
// another), and has no field v does not have, with a message that names
// the field.
func decodeJSON(c echo.Context, v any) error {
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return engine.Errorf(engine.EUNSUPPORTED, "请求体应为 JSON，并带请求头 Content-Type: application/json。")
	}
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return engine.Errorf(engine.EMALFORMED, "请求体不完整。")
	}
	if err := strictJSON(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return engine.Errorf(engine.EMALFORMED, "请求体含有未知字段 %s。", field)
		}
		return engine.Errorf(engine.EMALFORMED, "请求体不是有效的JSON。")
	}
	return nil
}

// strictJSON refuses a body that is not one JSON value, or that names a
// key twice in one object.
func strictJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	// Each open object's keys, and whether the next string is a key.
	type object struct {
		keys  map[string]bool
		inKey bool
	}
	var stack []*object
	values := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return engine.Errorf(engine.EMALFORMED, "请求体不是有效的JSON。")
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return engine.Errorf(engine.EMALFORMED, "请求体在JSON之后还有其他内容。")
			}
		}
		top := func() *object {
			if len(stack) == 0 {
				return nil
			}
			return stack[len(stack)-1]
		}()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				if o := top; o != nil && o.keys != nil {
					o.inKey = true
				}
				stack = append(stack, &object{keys: map[string]bool{}, inKey: true})
			case '[':
				if o := top; o != nil && o.keys != nil {
					o.inKey = true
				}
				stack = append(stack, &object{})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.keys != nil {
				if top.inKey {
					if top.keys[t] {
						return engine.Errorf(engine.EMALFORMED, "请求体中字段 %q 出现了两次。", t)
					}
					top.keys[t], top.inKey = true, false
				} else {
					top.inKey = true
				}
			}
		default:
			if top != nil && top.keys != nil {
				top.inKey = true
			}
		}
	}
	return nil
}

// fieldSchemas describes each workflow field as JSON Schema.
var fieldSchemas = map[workflow.Field]map[string]any{
	workflow.FieldUnit:     {"type": "string", "description": "承办单位编码"},
	workflow.FieldReason:   {"type": "string", "description": "原因"},
	workflow.FieldRoutes:   {"type": "array", "items": map[string]any{"type": "string", "enum": workflow.Routes}, "description": "已告知的其他途径"},
	workflow.FieldPartner:  {"type": "string", "description": "移交的联动单位编码，或本镇(街道)联动单位的类别（派出所、法庭、信访办等）"},
	workflow.FieldParty:    {"type": "string", "description": "撤回的当事人"},
	workflow.FieldResult:   {"type": "string", "description": "移交单位的办理结果"},
	workflow.FieldNote:     {"type": "string"},
	workflow.FieldDays:     {"type": "integer", "minimum": 1, "maximum": 90},
	workflow.FieldConsent:  {"type": "boolean", "description": "双方当事人同意"},
	workflow.FieldMediator: {"type": "integer", "description": "调解员的用户 id"},
	workflow.FieldRisk:     {"type": "string", "enum": engine.Risks},
	workflow.FieldAgreement: {"type": "object", "required": []string{"kind", "terms"}, "properties": map[string]any{
		"kind": map[string]any{"type": "string", "enum": []string{engine.AgreementWritten, engine.AgreementOral}}, "facts": map[string]any{"type": "string"},
		"terms": map[string]any{"type": "string"}, "performance": map[string]any{"type": "string"},
		"due": map[string]any{"type": "string", "format": "date"}, "amount": map[string]any{"type": "number", "description": "元"},
		"place": map[string]any{"type": "string", "description": "签订地点"},
		"subject": map[string]any{"type": "string", "enum": []string{engine.SubjectRights, engine.SubjectStatus, engine.SubjectTitle},
			"description": "协议事项：空为民事权利义务，status 为身份关系本身，title 为物权或知识产权确权（后两者不能申请司法确认）"},
		"oral_confirmed": map[string]any{"type": "boolean", "description": "口头协议涉及金额或日后履行时，当事人选择口头协议的确认"}}},
	workflow.FieldVisit: {"type": "object", "required": []string{"visited", "findings"}, "properties": map[string]any{
		"visited": map[string]any{"type": "string"}, "findings": map[string]any{"type": "string"},
		"satisfaction": map[string]any{"type": "string", "enum": []string{"satisfied", "fair", "dissatisfied"}},
		"sued":         map[string]any{"type": "boolean"}, "recurred": map[string]any{"type": "boolean"}}},
	workflow.FieldMajor: {"type": "object", "required": []string{"measures", "next"}, "properties": map[string]any{
		"measures": map[string]any{"type": "string", "description": "已采取的措施"}, "next": map[string]any{"type": "string", "description": "下一步工作"}}},
	workflow.FieldSession: {"type": "object", "required": []string{"record"}, "properties": map[string]any{
		"place": map[string]any{"type": "string"}, "participants": map[string]any{"type": "string"}, "record": map[string]any{"type": "string"}}},
	workflow.FieldNotice: {"type": "object", "required": []string{"to"}, "properties": map[string]any{
		"to": map[string]any{"type": "string", "description": "被告知的当事人"}, "given": map[string]any{"type": "string", "format": "date"}}},
	workflow.FieldConfirm: {"type": "object", "required": []string{"kind"}, "properties": map[string]any{
		"kind":  map[string]any{"type": "string", "enum": []string{engine.ConfirmApplied, engine.ConfirmConfirmed, engine.ConfirmRefused, engine.ConfirmNone}},
		"court": map[string]any{"type": "string"}, "number": map[string]any{"type": "string", "description": "裁定书文号"},
		"day": map[string]any{"type": "string", "format": "date"}}},
	workflow.FieldNewParty: {"type": "object", "required": []string{"side", "name"}, "properties": map[string]any{
		"side": map[string]any{"type": "string", "enum": []string{engine.SideApplicant, engine.SideRespondent}}, "kind": map[string]any{"type": "string"},
		"name": map[string]any{"type": "string"}, "id_number": map[string]any{"type": "string"}, "phone": map[string]any{"type": "string"}}},
}

// actionPath describes one event's or activity's POST from the workflow
// table: the states it may leave, the roles it is granted to, and the body
// of exactly the fields it requires.
func actionPath(summary, description string, fields, optional []workflow.Field, reasons []string, unitOptional bool) map[string]any {
	props := map[string]any{"version": map[string]any{"type": "integer", "minimum": 1, "description": "看到的案件版本（必填）；缺少时返回 400，不一致时返回 409"}}
	required := []string{"version"}
	for _, f := range optional {
		props[string(f)] = fieldSchemas[f]
	}
	for _, f := range fields {
		schema := fieldSchemas[f]
		if f == workflow.FieldReason && reasons != nil {
			schema = map[string]any{"type": "string", "enum": reasons}
		}
		name := string(f)
		props[name] = schema
		if f != workflow.FieldUnit || !unitOptional {
			required = append(required, name)
		}
	}
	body := map[string]any{"type": "object", "properties": props, "required": required}
	return map[string]any{"post": map[string]any{
		"summary": summary, "description": description,
		"parameters":  []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "integer"}}},
		"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": body}}},
		"responses": map[string]any{"200": map[string]any{"description": "操作后的案件"}, "400": map[string]any{"description": "请求无法处理：不是 JSON、含未知字段或缺少版本"}, "403": map[string]any{"description": "无权操作"},
			"409": map[string]any{"description": "状态或版本冲突"}, "422": map[string]any{"description": "数据有误，fields 逐项说明"}},
	}}
}

// handleOpenAPI publishes the API as an OpenAPI 3 document, its event and
// activity operations drawn from the workflow table.
func (s *Server) handleOpenAPI(c echo.Context) error {
	get := func(summary string) map[string]any {
		return map[string]any{"get": map[string]any{"summary": summary, "responses": map[string]any{"200": map[string]any{"description": "OK"}}}}
	}
	paths := map[string]any{
		"/queue": get("本人的待办：待受理、待反馈、近30日本人登记（登记窗口）；督办件、待回访、待归档（调解员）；超期、督办件与各单位在办（督办人员）；" +
			"移交本单位待办理（referred）与本单位移送、尚未办结的纠纷（sent_in）（联动单位）；count 为导航栏的计数"),
		"/notifications": get("本人的通知，未读在前：每条含 id、case_id、case_number、kind（" + strings.Join(notify.NotifyKinds(), "、") +
			"）、text、created_at、read；unread 为未读条数"),
		"/notifications/{id}/read": map[string]any{"post": map[string]any{"summary": "标为已读（id 为 all 时全部标为已读）",
			"parameters": []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}},
			"responses": map[string]any{"200": map[string]any{"description": "已读的通知"}, "204": map[string]any{"description": "已全部标为已读"},
				"404": map[string]any{"description": "没有这条通知"}}}},
		"/cases":             get("本人辖区内的案件（筛选：state, category, source, q, overdue, mine, page）"),
		"/cases/{id}":        get("一件案件"),
		"/cases/{id}/events": get("案件的办理经过"),
		"/cases/{id}/file":   get("案件卷宗：办理经过、调解记录、协议、回访、移交、司法确认、告知记录与文书目录"),
		"/workflow":          get("流程表与状态图"),
		"/route":             get("分流建议（category, amount, people, risk, flags, cross_village）"),
		"/mediators":         get("辖区的调解员名册：单位、所在调解委员会、专兼职、等级、聘任日期、本年培训学时（?year=）"),
		"/committees":        get("辖区的人民调解委员会和个人调解工作室：类型、设立单位、印章、成立日期、成员及职务"),
		"/subsidies":         get("以案定补（?unit=&period=）：逐案的核发、改定和追回，按调解员、调解委员会的合计，金额以元计"),
		"/applications": map[string]any{"post": map[string]any{
			"summary": "当事人网上申请调解（无须登录）：location（网格编码）、category、summary、requests、applicant{name, phone, id_number, address}、" +
				"other{name, phone, address}；每个地址每天10次、每个电话每天3次",
			"responses": map[string]any{"201": map[string]any{"description": "number、code（查询码）、state、lookup"},
				"422": map[string]any{"description": "按字段说明要更正的内容；未保存"}, "429": map[string]any{"description": "申请次数过多；未保存"}}}},
	}
	for _, ev := range workflow.Events() {
		var from, roles []string
		var fields, optionalFields []workflow.Field
		var reasons []string
		optional := false
		label := ev.Label()
		for _, tr := range workflow.Table {
			if tr.Event != ev {
				continue
			}
			for _, st := range tr.From {
				from = append(from, string(st))
			}
			for _, g := range tr.Grants {
				roles = append(roles, string(g.Role))
			}
			fields, optionalFields, reasons, optional = tr.Requires, tr.Optional, tr.PersonReasons(), tr.Target == workflow.ChosenUnit
		}
		desc := "可从状态：" + strings.Join(from, ", ") + "；角色：" + strings.Join(slices.Compact(slices.Sorted(slices.Values(roles))), ", ")
		paths["/cases/{id}/events/"+string(ev)] = actionPath(label, desc, fields, optionalFields, reasons, optional)
	}
	for _, r := range workflow.Activities {
		if slices.Contains(r.Requires, workflow.FieldFile) {
			// Files go up as multipart, below.
			continue
		}
		var in []string
		for _, st := range r.In {
			in = append(in, string(st))
		}
		desc := "可在状态：" + strings.Join(in, ", ")
		if len(r.Grants) == 1 && r.Grants[0].Role == workflow.RoleParty {
			desc = "当事人凭查询码和电话在查询页（/lookup）办理，工作人员不经本接口代办；" + desc
		}
		paths["/cases/{id}/activities/"+string(r.Activity)] = actionPath(r.Label, desc, r.Requires, nil, nil, false)
	}
	id := []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "integer"}}}
	paths["/cases/{id}/attachments"] = map[string]any{
		"get": map[string]any{"summary": "案件的附件（不含内容）", "parameters": id,
			"responses": map[string]any{"200": map[string]any{"description": "附件列表：id、name、type、size、uploaded_by、uploaded_at、url（按保管期限删除了内容的附件没有 url，另有 removed_at）"}}},
		"post": map[string]any{"summary": "上传一个附件（图片、PDF 或 Office 文档；类型按内容识别）", "parameters": id,
			"requestBody": map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{"schema": map[string]any{
				"type": "object", "required": []string{"file"}, "properties": map[string]any{
					"file":    map[string]any{"type": "string", "format": "binary"},
					"version": map[string]any{"type": "integer", "description": "看到的案件版本；不填则按当前版本"}}}}}},
			"responses": map[string]any{"201": map[string]any{"description": "新附件：id、name、type、size"},
				"413": map[string]any{"description": fmt.Sprintf("文件超过 %d MB，或本案附件合计超过 %d MB；未保存", s.Engine.MaxAttachment>>20, s.Engine.MaxCaseAttachments>>20)},
				"415": map[string]any{"description": "不是图片、PDF 或 Office 文档；未保存"}}}}
	paths["/referrals"] = map[string]any{"post": map[string]any{
		"summary":  "联动单位移送纠纷进入调解（警调、诉调、访调）：来源按本单位类别；external_id 为本单位系统的编号，同一编号再次提交返回同一案件（200），不会重复登记",
		"security": []any{map[string]any{"token": []any{}}},
		"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"type": "object", "required": []string{"category", "summary", "parties"}, "properties": map[string]any{
				"external_id": map[string]any{"type": "string", "description": "本单位系统中的编号"},
				"category":    map[string]any{"type": "string", "enum": s.Engine.CurrentLists().CategoryNames()},
				"location":    map[string]any{"type": "string", "description": "发生地网格编码；不清楚可不填，由接待窗口确定"},
				"amount":      map[string]any{"type": "number", "description": "元"},
				"people":      map[string]any{"type": "integer"},
				"risk":        map[string]any{"type": "string", "enum": engine.Risks},
				"flags":       map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
				"summary":     map[string]any{"type": "string"}, "requests": map[string]any{"type": "string"},
				"parties": map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []string{"side", "name"}}}}}}}},
		"responses": map[string]any{"201": map[string]any{"description": "新登记的案件"}, "200": map[string]any{"description": "此 external_id 已登记的案件"},
			"401": map[string]any{"description": "令牌无效或已吊销"}, "422": map[string]any{"description": "所填有误，未登记"}}}}
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	paths["/key-persons"] = map[string]any{
		"get": map[string]any{"summary": "辖区的重点人员、群体、领域台账（在管的，红色和走访超期的在前）",
			"parameters": []any{
				map[string]any{"name": "kind", "in": "query", "schema": map[string]any{"type": "string", "enum": ledger.Kinds}},
				map[string]any{"name": "colour", "in": "query", "schema": map[string]any{"type": "string", "enum": ledger.Colours}},
				map[string]any{"name": "unit", "in": "query", "schema": str("单位编码：其下的条目")},
				map[string]any{"name": "due", "in": "query", "schema": str("1：只看走访超期的")},
				map[string]any{"name": "delisted", "in": "query", "schema": str("1：已销号的")}},
			"responses": map[string]any{"200": map[string]any{"description": "total 与 entries；身份证号和电话按查看人打码"}}},
		"post": map[string]any{"summary": "列入台账",
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "required": []string{"kind", "name", "unit", "category", "reason", "colour", "owners"}, "properties": map[string]any{
					"kind": map[string]any{"type": "string", "enum": ledger.Kinds}, "name": str("姓名或名称"),
					"id_number": str("身份证号（重点人员）"), "phone": str("电话"), "address": str("住址或场所地址"),
					"people":   map[string]any{"type": "integer", "description": "重点群体的人数"},
					"unit":     str("所属单位编码：本单位或下级"),
					"category": map[string]any{"type": "string", "enum": s.Ledger.Policy.Categories}, "reason": str("事由"),
					"colour":   map[string]any{"type": "string", "enum": ledger.Colours},
					"owners":   map[string]any{"type": "array", "items": str("包保责任人的登录名")},
					"approver": str("审批人；督办人员列管时可不填")}}}}},
			"responses": map[string]any{"201": map[string]any{"description": "新条目：entry、records、cases"}, "422": map[string]any{"description": "所填有误，未保存"}}}}
	paths["/key-persons/{id}"] = map[string]any{"get": map[string]any{"summary": "一个台账条目：entry、records（动态管理记录）、cases（其人涉及的纠纷）", "parameters": id,
		"responses": map[string]any{"200": map[string]any{"description": "台账条目"}, "404": map[string]any{"description": "没有这个条目，或不在辖区内"}}}}
	paths["/key-persons/{id}/contacts"] = map[string]any{"post": map[string]any{"summary": "记录走访联系：下次走访按走访后的风险等级计", "parameters": id,
		"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"type": "object", "required": []string{"method", "findings"}, "properties": map[string]any{
				"method": map[string]any{"type": "string", "enum": ledger.Methods}, "findings": str("了解到的情况"),
				"colour":  map[string]any{"type": "string", "enum": ledger.Colours, "description": "走访后的风险等级；不填为不变"},
				"reason":  str("风险等级变更的理由"),
				"version": map[string]any{"type": "integer", "description": "看到的条目版本；不填不核对"}}}}}},
		"responses": map[string]any{"201": map[string]any{"description": "记录后的条目"}, "409": map[string]any{"description": "条目已销号，或已有新的记录"}}}}
	paths["/attachments/{id}"] = map[string]any{"get": map[string]any{"summary": "附件内容（带 Content-Type 与 Content-Disposition）", "parameters": id,
		"responses": map[string]any{"200": map[string]any{"description": "文件"}, "404": map[string]any{"description": "没有这个附件，或无权查看其案件"}}}}
	return c.JSON(http.StatusOK, map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "矛盾纠纷调解 API", "version": "1"},
		"servers": []any{map[string]any{"url": "/api/v1"}},
		"components": map[string]any{"securitySchemes": map[string]any{
			"session": map[string]any{"type": "apiKey", "in": "cookie", "name": s.sessions.Cookie.Name},
			"csrf":    map[string]any{"type": "apiKey", "in": "header", "name": "X-CSRF-Token", "description": "POST 时须带本会话页面上的 csrf 令牌"},
			"token":   map[string]any{"type": "http", "scheme": "bearer", "description": "联动单位系统的接口令牌（mediation token create 生成）；以本单位联络员的身份调用，无需 csrf"}}},
		"security": []any{map[string]any{"session": []any{}, "csrf": []any{}}, map[string]any{"token": []any{}}},
		"paths":    paths,
	})
}
