//go:build unix

package store

import "syscall"

// freeBytes returns the space free to this user on the file system that
// holds path.
func freeBytes(path string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true
}
