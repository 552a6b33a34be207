package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/report"
)

// ReferredTo reports whether the case was ever referred to the partner
// unit.
func (db *DB) ReferredTo(ctx context.Context, caseID, unitID int64) (bool, error) {
	var n int
	err := db.reader().scalar(ctx, &n, "SELECT COUNT(*) FROM referrals WHERE partner_unit_id = ? AND case_id = ?", unitID, caseID)
	return n > 0, err
}

// CaseByExternal returns the case a partner unit referred in under its own
// id.
func (db *DB) CaseByExternal(ctx context.Context, senderID int64, externalID string) (*engine.Case, error) {
	var id int64
	err := db.w.WithContext(ctx).Raw("SELECT id FROM cases WHERE sender_unit_id = ? AND external_id = ?", senderID, externalID).Scan(&id).Error
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, engine.Errorf(engine.ENOTFOUND, "案件不存在。")
	}
	return db.FindCase(ctx, id)
}

// ReferralCounts counts, by partner unit among partners, the referrals of
// the cases located in units that the period [start, end) saw: made,
// answered on time and late, sent back, and waiting at its end. Each part
// is read by the partner's index on the time it is about, so that a
// period costs what it holds, not the referrals of every year; and each
// referral's case is looked up by its id, unless units is nil (every
// case). (Joined, PostgreSQL hashed every case of a province's units first:
// 4 to 9 s for its 47,000 referrals.)
func (db *DB) ReferralCounts(ctx context.Context, units, partners []int64, start, end time.Time) ([]report.ReferralCount, error) {
	if len(partners) == 0 {
		return nil, nil
	}
	s, e, p := start.UTC(), end.UTC(), db.d.list(partners)
	of := db.d.in("partner_unit_id")
	located, args := "", []any{p, s, e, p, s, e, p, e, p, e, e}
	if units != nil {
		located = " WHERE EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id AND " + db.d.in("c.location_unit_id") + db.d.correlated() + ")"
		args = append(args, db.d.list(units))
	}
	q := `SELECT x.partner_unit_id, SUM(x.made), SUM(x.on_time), SUM(x.late), SUM(x.sent_back), SUM(x.waiting) FROM (
		SELECT partner_unit_id, case_id, 1 AS made, 0 AS on_time, 0 AS late, 0 AS sent_back, 0 AS waiting
			FROM referrals WHERE ` + of + ` AND at >= ? AND at < ?
		UNION ALL SELECT partner_unit_id, case_id, 0, CASE WHEN resolved_at <= due_at THEN 1 ELSE 0 END,
			CASE WHEN resolved_at > due_at THEN 1 ELSE 0 END, CASE WHEN returned THEN 1 ELSE 0 END, 0
			FROM referrals WHERE ` + of + ` AND resolved_at >= ? AND resolved_at < ?
		UNION ALL SELECT partner_unit_id, case_id, 0, 0, 0, 0, 1 FROM referrals WHERE ` + of + ` AND resolved_at IS NULL AND at < ?
		UNION ALL SELECT partner_unit_id, case_id, 0, 0, 0, 0, 1 FROM referrals WHERE ` + of + ` AND resolved_at >= ? AND at < ?
		) x` + located + ` GROUP BY x.partner_unit_id ORDER BY x.partner_unit_id`
	var out []report.ReferralCount
	err := db.reader().each(ctx, q, args, func(rows *sql.Rows) error {
		var n report.ReferralCount
		err := rows.Scan(&n.PartnerUnitID, &n.Referred, &n.OnTime, &n.Late, &n.Returned, &n.Waiting)
		out = append(out, n)
		return err
	})
	return out, err
}

type tokenRow struct {
	ID         int64
	UnitID     int64
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

func (r *tokenRow) toToken() *account.Token {
	return &account.Token{ID: r.ID, UnitID: r.UnitID, Name: r.Name, Hash: r.Hash, CreatedAt: r.CreatedAt.UTC(),
		LastUsedAt: utc(r.LastUsedAt), RevokedAt: utc(r.RevokedAt)}
}

// SaveToken stores a new API token and sets its id.
func (db *DB) SaveToken(ctx context.Context, t *account.Token) error {
	row := tokenRow{UnitID: t.UnitID, Name: t.Name, Hash: t.Hash, CreatedAt: t.CreatedAt.UTC()}
	if err := db.w.WithContext(ctx).Create(&row).Error; err != nil {
		return err
	}
	t.ID = row.ID
	return nil
}

// TokenByHash returns the token with the hash.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*account.Token, error) {
	var row tokenRow
	if err := db.r.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error; err != nil {
		return nil, notFound(err, "令牌不存在。")
	}
	return row.toToken(), nil
}

// Tokens returns the tokens of units, or of all units for nil, newest
// first.
func (db *DB) Tokens(ctx context.Context, units []int64) ([]*account.Token, error) {
	q := db.r.WithContext(ctx).Order("id DESC")
	if units != nil {
		q = q.Where("unit_id IN ?", units)
	}
	var rows []tokenRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*account.Token, len(rows))
	for i := range rows {
		out[i] = rows[i].toToken()
	}
	return out, nil
}

// RevokeToken revokes a token not yet revoked.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res := db.w.WithContext(ctx).Model(&tokenRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", at.UTC())
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ENOTFOUND, "令牌 #%d 不存在或已吊销。", id)
	}
	return nil
}

// TokenUsed records a token's use.
func (db *DB) TokenUsed(ctx context.Context, id int64, at time.Time) error {
	return db.w.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", id).Update("last_used_at", at.UTC()).Error
}
