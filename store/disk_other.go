//go:build !unix

package store

// freeBytes knows no free space where the file system cannot be asked.
func freeBytes(string) (uint64, bool) { return 0, false }
