// Package templates holds the HTML templates and static files of the web
// interface, embedded in the binary. The web package parses them once at
// start-up.
package templates

import "embed"

// FS holds the page templates (*.html; layout.html wraps every page) and the
// static files under static/.
//
//go:embed *.html static
var FS embed.FS
