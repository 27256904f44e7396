package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestTables(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"go.mod": "module example.com/app\n",
		"internal/postgres/migrations/00001_init.sql": "-- +goose Up\n" +
			"-- +goose StatementBegin\nCREATE TABLE spaces (tenant_id uuid NOT NULL, id uuid);\n-- +goose StatementEnd\n" +
			"CREATE TABLE users (id uuid);\n-- +goose Down\nCREATE TABLE ghosts (tenant_id uuid);\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := tables([]string{filepath.Join(dir, "internal")}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := "migration internal/postgres/migrations/00001_init.sql\ntenant table spaces\n"
	if got := stdout.String(); got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

func TestTablesNoMigrations(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := tables([]string{dir}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}
