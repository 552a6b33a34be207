package report_test

import (
	"context"
	"testing"

	"github.com/grassroots/mediation/engine/enginetest"
)

var ctx = context.Background()

func newEnv(tb testing.TB) *enginetest.Env { return enginetest.New(tb) }
