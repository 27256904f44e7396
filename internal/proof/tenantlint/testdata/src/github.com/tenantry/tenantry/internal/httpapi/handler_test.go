package httpapi

import (
	"context"
	"testing"
)

func TestWork(t *testing.T) {
	if err := work(context.Background()); err != nil {
		t.Fatal(err)
	}
}
