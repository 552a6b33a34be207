package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
	"gorm.io/gorm"
)

// Units returns every unit.
func (db *DB) Units(ctx context.Context) ([]*engine.Unit, error) {
	var rows []unitRow
	if err := db.r.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*engine.Unit, len(rows))
	for i := range rows {
		out[i] = rows[i].toUnit()
	}
	return out, nil
}

// SaveUnit inserts u, or updates the unit with u's code.
func (db *DB) SaveUnit(ctx context.Context, u *engine.Unit) error {
	return db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := unitRow{Code: u.Code, Name: u.Name, Level: string(u.Level), ParentID: nilIfZero(u.ParentID), CasePrefix: u.CasePrefix,
			Address: u.Address, Phone: u.Phone, Kind: u.Kind, Webhook: u.Webhook}
		var old unitRow
		err := tx.Where("code = ?", u.Code).Take(&old).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			u.ID = row.ID
			return createOwnCommittee(tx, u)
		case err != nil:
			return err
		}
		u.ID = old.ID
		return tx.Model(&unitRow{}).Where("id = ?", old.ID).Updates(map[string]any{
			"name": u.Name, "parent_id": nilIfZero(u.ParentID), "case_prefix": u.CasePrefix, "address": u.Address, "phone": u.Phone,
			"kind": u.Kind, "webhook": u.Webhook}).Error
	})
}

// createOwnCommittee makes the committee of a new village or town. A
// unit renamed later keeps its committee's name: the committee is a record
// of its own, renamed by its keepers.
func createOwnCommittee(tx *gorm.DB, u *engine.Unit) error {
	if !engine.HasOwnCommittee(u) {
		return nil
	}
	c := engine.OwnCommittee(u)
	return tx.Exec("INSERT INTO committees (unit_id, name, kind, seal) VALUES (?, ?, ?, ?)", c.UnitID, c.Name, c.Kind, c.Seal).Error
}

// CloseUnit closes a unit at at, or opens it again (nil).
func (db *DB) CloseUnit(ctx context.Context, id int64, at *time.Time) error {
	return db.w.WithContext(ctx).Model(&unitRow{}).Where("id = ?", id).Update("closed_at", utcPtr(at)).Error
}

// SetUp spends the setting key, if it still holds value, and creates the
// first unit and its administrator, all in one transaction: of two
// requests with one setup link, one sets the system up and the other gets
// ENOTFOUND, and a failure leaves neither the unit, nor the account, nor a
// spent link.
func (db *DB) SetUp(ctx context.Context, key, value string, unit *engine.Unit, u *engine.User) error {
	return db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE settings SET value = '' WHERE key = ? AND value = ? AND value <> ''", key, value)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return engine.Errorf(engine.ENOTFOUND, "这个设置链接已经用过：系统已经设置好，请登录。")
		}
		row := unitRow{Code: unit.Code, Name: unit.Name, Level: string(unit.Level), CasePrefix: unit.CasePrefix,
			Address: unit.Address, Phone: unit.Phone}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		unit.ID, u.UnitID = row.ID, row.ID
		if err := createOwnCommittee(tx, unit); err != nil {
			return err
		}
		user := userRow{Name: u.Name, DisplayName: u.DisplayName, Role: string(u.Role), UnitID: u.UnitID,
			PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt.UTC()}
		if err := tx.Create(&user).Error; err != nil {
			return err
		}
		u.ID = user.ID
		return nil
	})
}

// CreateUser inserts u.
func (db *DB) CreateUser(ctx context.Context, u *engine.User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now().UTC()
	}
	row := userRow{Name: u.Name, DisplayName: u.DisplayName, Role: string(u.Role), UnitID: u.UnitID,
		PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt.UTC(), Demo: u.Demo, MustChange: u.MustChange}
	if err := db.w.WithContext(ctx).Create(&row).Error; err != nil {
		if isUniqueViolation(err) {
			return engine.Errorf(engine.ECONFLICT, "用户名“%s”已被使用。", u.Name)
		}
		return err
	}
	u.ID = row.ID
	return nil
}

// FindUser returns the user with id.
func (db *DB) FindUser(ctx context.Context, id int64) (*engine.User, error) {
	var row userRow
	if err := db.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, notFound(err, "用户不存在。")
	}
	return row.toUser(), nil
}

// FindUserByName returns the user with name.
func (db *DB) FindUserByName(ctx context.Context, name string) (*engine.User, error) {
	var row userRow
	if err := db.r.WithContext(ctx).Where("name = ?", name).Take(&row).Error; err != nil {
		return nil, notFound(err, "用户“%s”不存在。", name)
	}
	return row.toUser(), nil
}

// Users returns the users, of units when given, ordered by unit and name.
func (db *DB) Users(ctx context.Context, units []int64) ([]*engine.User, error) {
	q := db.r.WithContext(ctx).Order("unit_id, name")
	if len(units) > 0 {
		q = q.Where("unit_id IN ?", units)
	}
	var rows []userRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*engine.User, len(rows))
	for i := range rows {
		out[i] = rows[i].toUser()
	}
	return out, nil
}

// SetPasswordHash replaces a user's password hash, which takes a demo
// account off the demo's published password, marks whether the user must
// choose another at the next login, and, in the same transaction, ends
// every session of the user.
func (db *DB) SetPasswordHash(ctx context.Context, id int64, hash string, mustChange bool) error {
	return db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{"password_hash": hash, "demo": false, "must_change": mustChange})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return engine.Errorf(engine.ENOTFOUND, "用户不存在。")
		}
		return tx.Exec("DELETE FROM web_sessions WHERE user_id = ?", id).Error
	})
}

// SetRole gives a user another role and unit.
func (db *DB) SetRole(ctx context.Context, id int64, role workflow.Role, unitID int64) error {
	res := db.w.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{"role": string(role), "unit_id": unitID})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ENOTFOUND, "用户不存在。")
	}
	return nil
}

// SetDisabled disables a user at at, ending every session of the user in
// the same transaction, or, with at nil, enables the user again.
func (db *DB) SetDisabled(ctx context.Context, id int64, at *time.Time) error {
	return db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("id = ?", id).Update("disabled_at", utcPtr(at))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return engine.Errorf(engine.ENOTFOUND, "用户不存在。")
		}
		if at == nil {
			return nil
		}
		return tx.Exec("DELETE FROM web_sessions WHERE user_id = ?", id).Error
	})
}

// MinFreeDisk is the free space below which a SQLite database is not ready:
// a write that finds the disk full fails, and the one after it too.
const MinFreeDisk = 256 << 20

// Ready reports whether the database takes a write now: a write
// transaction begins and is rolled back within a second (it writes
// nothing), and, on SQLite, the disk that holds the file has MinFreeDisk
// free.
func (db *DB) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	tx, err := db.wsql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("数据库不能写入：%w", err)
	}
	_, err = tx.ExecContext(ctx, "UPDATE schema_migrations SET name = name WHERE version = -1")
	if rerr := tx.Rollback(); err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("数据库不能写入：%w", err)
	}
	if free, ok := db.FreeDisk(); ok && free < MinFreeDisk {
		return fmt.Errorf("磁盘剩余空间 %d MB，低于 %d MB", free>>20, MinFreeDisk>>20)
	}
	return nil
}

// FreeDisk returns the free space of the disk that holds a SQLite
// database; ok is false on PostgreSQL, whose disk is the server's.
func (db *DB) FreeDisk() (free uint64, ok bool) {
	if db.Path == "" {
		return 0, false
	}
	return freeBytes(filepath.Dir(db.Path))
}

// Size returns the bytes the database takes: the SQLite file with its
// write-ahead log, or PostgreSQL's pg_database_size.
func (db *DB) Size(ctx context.Context) (int64, error) {
	if db.Path == "" {
		var n int64
		err := db.r.WithContext(ctx).Raw("SELECT pg_database_size(current_database())").Scan(&n).Error
		return n, err
	}
	var n int64
	for _, p := range []string{db.Path, db.Path + "-wal"} {
		st, err := os.Stat(p)
		if err == nil {
			n += st.Size()
		} else if !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
	}
	return n, nil
}

// Setting returns a stored setting, "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var vals []string
	if err := db.r.WithContext(ctx).Table("settings").Where("key = ?", key).Pluck("value", &vals).Error; err != nil {
		return "", err
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], nil
}

// SetSetting stores a setting, replacing any earlier value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.w.WithContext(ctx).Exec(
		"INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value).Error
}
