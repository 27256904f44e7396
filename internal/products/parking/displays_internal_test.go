package parking

import (
	"testing"
	"time"
)

// TestFrameOf: the policy's colour per state, blinking for a free space reserved soon, dimmed in
// quiet hours on the site's clock (also over midnight).
func TestFrameOf(t *testing.T) {
	t.Parallel()
	p := DefaultDisplayPolicy()
	p.QuietStart, p.QuietEnd, p.QuietBrightness = "22:00", "06:30", 15
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		state      State
		soon       bool
		tz         string
		now        string
		colour     [3]byte
		brightness uint8
		blink      bool
	}{
		{StateFree, false, "UTC", "2026-12-07T12:00:00Z", [3]byte{0x00, 0xC8, 0x00}, 100, false},
		{StateFree, true, "UTC", "2026-12-07T12:00:00Z", [3]byte{0x00, 0xC8, 0x00}, 100, true},
		{StateOccupied, true, "UTC", "2026-12-07T23:00:00Z", [3]byte{0xFF, 0x00, 0x00}, 15, false},
		{StateReserved, false, "UTC", "2026-12-07T06:29:00Z", [3]byte{0x00, 0x50, 0xFF}, 15, false},
		{StateMaintenance, false, "UTC", "2026-12-07T06:30:00Z", [3]byte{0xFF, 0xA0, 0x00}, 100, false},
		// 21:30 UTC is 22:30 in Berlin (winter): quiet there.
		{StateFree, false, "Europe/Berlin", "2026-12-07T21:30:00Z", [3]byte{0x00, 0xC8, 0x00}, 15, false},
		{StateFree, false, "UTC", "2026-12-07T21:30:00Z", [3]byte{0x00, 0xC8, 0x00}, 100, false},
	}
	for _, c := range cases {
		f := frameOf(p, c.state, c.soon, c.tz, 258, at(c.now))
		if f.State != string(c.state) || f.Colour != c.colour || f.Brightness != c.brightness || f.Blink != c.blink || f.Sequence != 2 {
			t.Errorf("%s soon=%v %s %s: %+v", c.state, c.soon, c.tz, c.now, f)
		}
	}
	p.ReservedSoonMinutes = 0
	if f := frameOf(p, StateFree, true, "UTC", 1, at("2026-12-07T12:00:00Z")); f.Blink {
		t.Error("a threshold of 0 still blinks")
	}
}
