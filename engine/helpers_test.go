package engine_test

import (
	"context"
	"testing"

	"github.com/grassroots/mediation/engine/enginetest"
)

var ctx = context.Background()

// env is the shared test environment, with the helpers of this package's
// tests beside it.
type env struct{ *enginetest.Env }

func newEnv(tb testing.TB) *env { return &env{enginetest.New(tb)} }
