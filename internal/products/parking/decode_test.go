package parking

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDecodeOccupancy(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	cases := []struct {
		name, format, object string
		data                 []byte
		want                 *bool
	}{
		{"codec bool", FormatAuto, `{"occupied": true}`, nil, &yes},
		{"codec number", FormatAuto, `{"occupancy": 0}`, []byte{1}, &no},
		{"codec string", FormatAuto, `{"status": "Vacant"}`, nil, &no},
		{"codec parkingStatus", FormatAuto, `{"parkingStatus": "occupied"}`, nil, &yes},
		{"codec without occupancy falls back to TABS", FormatAuto, `{"temperature": 4}`, []byte{0x01, 0x0e}, &yes},
		{"TABS vacant", FormatAuto, ``, []byte{0x00, 0x0e}, &no},
		{"codec only ignores data", FormatCodec, `{"temperature": 4}`, []byte{0x01}, nil},
		{"tabs only ignores object", FormatTABS, `{"occupied": false}`, []byte{0x01}, &yes},
		{"nothing", FormatAuto, ``, nil, nil},
		{"unreadable value", FormatCodec, `{"occupied": "maybe"}`, nil, nil},
	}
	for _, c := range cases {
		got := DecodeOccupancy(c.format, json.RawMessage(c.object), c.data)
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%s: got %v, want %v", c.name, show(got), show(c.want))
		}
	}
}

func show(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func TestParseEUI(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"e8e1e10001061a2b": "E8E1E10001061A2B", "70B3D57ED005A1B2": "70B3D57ED005A1B2"} {
		if got, ok := ParseEUI(in); !ok || got != want {
			t.Errorf("ParseEUI(%q) = %q, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "70B3D57ED005A1B", "70B3D57ED005A1B2F", "70:B3:D5:7E:D0:05:A1:B2", "70B3D57ED005A1BG", " 70B3D57ED005A1B"} {
		if _, ok := ParseEUI(bad); ok {
			t.Errorf("ParseEUI(%q) accepted", bad)
		}
	}
}

func TestSignature(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"deviceInfo":{"devEui":"0101010101010101"}}`)
	good := Signature{Timestamp: "1800000000", Value: Sign("secret", now.Unix(), body)}
	if err := good.verify("secret", body, now.Add(299*time.Second)); err != nil {
		t.Errorf("a valid signature within the window: %v", err)
	}
	bad := map[string]struct {
		sig  Signature
		body []byte
		at   time.Time
	}{
		"too old":         {good, body, now.Add(301 * time.Second)},
		"from the future": {good, body, now.Add(-301 * time.Second)},
		"other body":      {good, []byte(`{}`), now},
		"other secret":    {Signature{good.Timestamp, Sign("other", now.Unix(), body)}, body, now},
		"no timestamp":    {Signature{"", good.Value}, body, now},
		"no signature":    {Signature{good.Timestamp, ""}, body, now},
	}
	for name, c := range bad {
		if err := c.sig.verify("secret", c.body, c.at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHourly(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	space := [16]byte{1}
	other := [16]byte{2}
	at := func(h, m int) time.Time { return from.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	rows := changes(
		change{space, from.Add(-time.Hour), "OCCUPIED"}, // carried into the window
		change{space, at(0, 30), "FREE"},
		change{space, at(1, 45), "OCCUPIED"},
		change{other, at(2, 0), "MAINTENANCE"},
	)
	got := hourly(rows, from, from.Add(3*time.Hour), from.Add(24*time.Hour), 2)
	want := []float64{1800, 900, 3600}
	for i, w := range want {
		if got[i].OccupiedSeconds != w {
			t.Errorf("hour %d: %v occupied seconds, want %v", i, got[i].OccupiedSeconds, w)
		}
	}
	if got[2].Utilisation != 0.5 {
		t.Errorf("utilisation of hour 2: %v, want 0.5", got[2].Utilisation)
	}
}
