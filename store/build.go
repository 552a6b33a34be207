//go:build !cgo

package store

// The SQLite driver is C, compiled by cgo: a build without cgo (CGO_ENABLED=0,
// or no C compiler found) cannot work, and this line makes the compiler say
// so first, before the driver's own errors.
var _ = this_program_needs_cgo__build_with_CGO_ENABLED_1_and_a_C_compiler_such_as_gcc
