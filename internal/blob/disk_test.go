package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/blob"
)

func TestDiskRoundTripAndTenantPrefix(t *testing.T) {
	ctx := context.Background()
	d, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, b := uuid.New(), uuid.New()
	ka, _ := blob.Key(a, "uploads", "one")
	kb, _ := blob.Key(b, "uploads", "two")
	for _, k := range []string{ka, kb} {
		if n, err := d.Put(ctx, k, bytes.NewReader([]byte("hello "+k))); err != nil || n != int64(len("hello "+k)) {
			t.Fatalf("put %s: %d %v", k, n, err)
		}
	}
	r, err := d.Open(ctx, ka)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	_ = r.Close()
	if string(got) != "hello "+ka {
		t.Fatalf("read %q", got)
	}
	var keys []string
	if err := d.Walk(ctx, blob.TenantPrefix(a), func(k string, _ int64) error { keys = append(keys, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != ka {
		t.Fatalf("walk of tenant a: %v", keys)
	}
	if err := d.DeletePrefix(ctx, blob.TenantPrefix(a)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, ka); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("after deleting tenant a: %v", err)
	}
	if _, err := d.Open(ctx, kb); err != nil {
		t.Fatalf("tenant b's file went with a's: %v", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		return 0, errors.New("connection reset")
	}
	f.n++
	return copy(p, "partial"), nil
}

func TestInterruptedPutLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, _ := blob.NewDisk(dir)
	k, _ := blob.Key(uuid.New(), "uploads", "x")
	if _, err := d.Put(ctx, k, &failingReader{}); err == nil {
		t.Fatal("a failing reader was stored")
	}
	var files []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, _ error) error {
		if info != nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("files left behind: %v", files)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Put(cctx, k, bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("a cancelled put was stored")
	}
}

func TestKeysCannotEscapeTheTenant(t *testing.T) {
	for _, part := range []string{"", ".", "..", "a/b", `a\b`, "a\x00"} {
		if _, err := blob.Key(uuid.New(), "uploads", part); err == nil {
			t.Errorf("part %q accepted", part)
		}
	}
	d, _ := blob.NewDisk(t.TempDir())
	for _, k := range []string{"/etc/passwd", "../x", "a/../../x", ""} {
		if _, err := d.Open(context.Background(), k); err == nil || errors.Is(err, blob.ErrNotFound) {
			t.Errorf("key %q not refused: %v", k, err)
		}
	}
}
