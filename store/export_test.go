package store

// CachedStatements returns how many prepared statements the store holds,
// for the tests of the cache's bound.
func (db *DB) CachedStatements() int { return db.rstmts.Len() + db.wstmts.Len() }

// StatementCacheSize is the bound of each pool's statement cache.
const StatementCacheSize = 2 * stmtCacheSize
