package displayformat_test

import (
	"bytes"
	"testing"

	"github.com/tenantry/tenantry/internal/products/parking/displayformat"
)

// TestEncode pins both formats byte by byte, as docs/parking.md documents them.
func TestEncode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		format string
		frame  displayformat.Frame
		want   []byte
		port   uint32
	}{
		{"tnr-rgb", displayformat.Frame{State: "OCCUPIED", Colour: [3]byte{0xFF, 0x00, 0x00}, Brightness: 100, Sequence: 7},
			[]byte{0x01, 0x01, 0xFF, 0x00, 0x00, 0x64, 0x07}, 10},
		{"tnr-rgb", displayformat.Frame{State: "FREE", Colour: [3]byte{0x00, 0xC8, 0x00}, Brightness: 20, Blink: true, Sequence: 255},
			[]byte{0x01, 0x00, 0x00, 0xC8, 0x00, 0x94, 0xFF}, 10},
		{"tnr-rgb", displayformat.Frame{State: "MAINTENANCE", Colour: [3]byte{1, 2, 3}, Brightness: 250},
			[]byte{0x01, 0x03, 0x01, 0x02, 0x03, 0x64, 0x00}, 10},
		{"tnr-compact", displayformat.Frame{State: "RESERVED", Colour: [3]byte{0x00, 0x50, 0xFF}, Brightness: 100},
			[]byte{0x9F, 0x0B}, 11},
		{"tnr-compact", displayformat.Frame{State: "OCCUPIED", Colour: [3]byte{0xFF, 0x00, 0x00}, Brightness: 20, Blink: true},
			[]byte{0x66, 0xE0}, 11},
		{"tnr-compact", displayformat.Frame{State: "FREE", Colour: [3]byte{0xFF, 0xFF, 0xFF}, Brightness: 0},
			[]byte{0x00, 0xFF}, 11},
	}
	for _, c := range cases {
		f, ok := displayformat.Lookup(c.format)
		if !ok {
			t.Fatalf("no format %s", c.format)
		}
		got, port := f.Encode(c.frame)
		if !bytes.Equal(got, c.want) || port != c.port {
			t.Errorf("%s %+v = % X on %d, want % X on %d", c.format, c.frame, got, port, c.want, c.port)
		}
	}
	if _, ok := displayformat.Lookup("nope"); ok {
		t.Error("an unknown format was found")
	}
	if n := displayformat.Names(); len(n) != 2 || n[0] != "tnr-compact" || n[1] != "tnr-rgb" {
		t.Errorf("names %v", n)
	}
}
