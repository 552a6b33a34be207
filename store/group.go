package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// SQLite has one writer, and each of its transactions ends with a sync of
// the log to disk, which takes longer than the writes before it. Changes to
// cases that arrive while another is being written wait in a queue; the
// first of them, once the writer is free, writes the whole queue in one
// transaction, each change under a savepoint of its own, so that the sync
// is shared. No one is told their change is saved before the transaction
// that holds it commits. PostgreSQL syncs concurrent commits together by
// itself: there each change has its own transaction.

// The statements around each change of a group.
const (
	savepoint  = "SAVEPOINT change"
	rollbackTo = "ROLLBACK TO change"
	release    = "RELEASE change"
)

// maxGroup bounds the changes written in one transaction.
const maxGroup = 64

// group is the queue of changes waiting for the writer; the first is the
// one writing, or about to.
type group struct {
	mu    sync.Mutex
	queue []*grouped
}

// grouped is one change in the queue.
type grouped struct {
	fn   func(conn) error
	err  error
	done bool
	// wake is signalled once: when the change is written (done), or when
	// it has come to the front of the queue and is to write.
	wake chan struct{}
}

// writeGrouped runs fn in a write transaction, as write does, shared with
// the changes queued at the same time on SQLite.
func (db *DB) writeGrouped(ctx context.Context, fn func(conn) error) error {
	if db.d.postgres {
		return db.write(ctx, fn)
	}
	me := &grouped{fn: fn, wake: make(chan struct{}, 1)}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, me)
	first := len(g.queue) == 1
	g.mu.Unlock()
	if !first {
		<-me.wake
		if me.done {
			return me.err
		}
	}
	// This change is at the front of the queue. Once the writer is free,
	// it takes those queued behind it meanwhile; one leaving early does not
	// end the transaction of the others.
	batch := []*grouped{me}
	defer func() {
		// A change that panics takes the others of its transaction down
		// with it, and the queue moves on all the same.
		if r := recover(); r != nil {
			for _, b := range batch {
				b.err = fmt.Errorf("store: a change written in the same transaction failed: %v", r)
			}
			g.pass(batch)
			panic(r)
		}
		g.pass(batch)
	}()
	err := db.write(context.WithoutCancel(ctx), func(c conn) error {
		g.mu.Lock()
		batch = append(batch[:0], g.queue[:min(len(g.queue), maxGroup)]...)
		g.mu.Unlock()
		return writeBatch(c, batch)
	})
	if err != nil {
		for _, b := range batch {
			b.err = err
		}
	}
	return me.err
}

// pass takes the written batch off the front of the queue, tells the
// others in it how their changes went, and wakes the next change to write.
func (g *group) pass(batch []*grouped) {
	g.mu.Lock()
	n := copy(g.queue, g.queue[len(batch):])
	clear(g.queue[n:])
	g.queue = g.queue[:n]
	var next *grouped
	if n > 0 {
		next = g.queue[0]
	}
	g.mu.Unlock()
	for _, b := range batch[1:] {
		b.done = true
		b.wake <- struct{}{}
	}
	if next != nil {
		next.wake <- struct{}{}
	}
}

// writeBatch writes the changes of batch in transaction c and sets each
// one's error. A change alone fails the transaction; one among others
// rolls back to its savepoint, and the others go on.
func writeBatch(c conn, batch []*grouped) error {
	if len(batch) == 1 {
		batch[0].err = batch[0].fn(c)
		return batch[0].err
	}
	bg := context.Background()
	for _, b := range batch {
		if _, err := c.exec(bg, savepoint); err != nil {
			return err
		}
		// A change rolled back to its savepoint takes its counts with it.
		one := c
		one.counts = monthDelta{}
		if b.err = b.fn(one); b.err != nil {
			if _, err := c.exec(bg, rollbackTo); err != nil {
				return errors.Join(b.err, err)
			}
		} else {
			c.counts.merge(one.counts)
		}
		if _, err := c.exec(bg, release); err != nil {
			return err
		}
	}
	return nil
}
