// Package displayformat turns what a bay display must show into the bytes of a LoRaWAN downlink.
// Each vendor byte format is a Format; parking looks one up by the name stored with the display.
// The two formats here are Tenantry's own, documented byte by byte in docs/parking.md ("Display
// byte formats"); a vendor's format is one more type with a Name and an Encode, added to Formats.
package displayformat

import "sort"

// Frame is what a display must show: its space's derived state, the policy's colour for it, a
// brightness (lower in quiet hours), whether to blink (a reservation starts soon) and a sequence
// number (the downlink's generation, modulo 256) the device may use to drop a stale frame.
type Frame struct {
	State      string  // FREE, OCCUPIED, RESERVED or MAINTENANCE
	Colour     [3]byte // red, green, blue
	Brightness uint8   // percent, 0 to 100
	Blink      bool
	Sequence   uint8
}

// Format is one vendor byte format.
type Format interface {
	// Name is the format's name, as stored with a display.
	Name() string
	// Encode returns the downlink payload of f and the LoRaWAN port (fPort) to send it on.
	Encode(f Frame) (data []byte, fPort uint32)
}

// Formats are the formats a display may use, by name.
var Formats = map[string]Format{RGB{}.Name(): RGB{}, Compact{}.Name(): Compact{}}

// Default is the format of a display that names none.
const Default = "tnr-rgb"

// Lookup returns the format called name.
func Lookup(name string) (Format, bool) {
	f, ok := Formats[name]
	return f, ok
}

// Names returns the formats' names, sorted.
func Names() []string {
	out := make([]string, 0, len(Formats))
	for n := range Formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// StateCode is the number of a state in both formats: FREE 0, OCCUPIED 1, RESERVED 2,
// MAINTENANCE 3 (anything else is FREE).
func StateCode(state string) byte {
	switch state {
	case "OCCUPIED":
		return 1
	case "RESERVED":
		return 2
	case "MAINTENANCE":
		return 3
	}
	return 0
}

func clampPercent(p uint8) uint8 { return min(p, 100) }

// RGB is "tnr-rgb": seven bytes on fPort 10 — version 0x01, state code, red, green, blue, then
// blink (bit 7) with brightness in percent (bits 0-6), then the sequence number.
type RGB struct{}

// Name names the format.
func (RGB) Name() string { return "tnr-rgb" }

// Encode encodes f.
func (RGB) Encode(f Frame) ([]byte, uint32) {
	b := clampPercent(f.Brightness)
	if f.Blink {
		b |= 0x80
	}
	return []byte{0x01, StateCode(f.State), f.Colour[0], f.Colour[1], f.Colour[2], b, f.Sequence}, 10
}

// Compact is "tnr-compact": two bytes on fPort 11, for displays on slow data rates — the state
// code (bits 7-6), blink (bit 5) and brightness in 32 steps (bits 4-0), then the colour as RGB 3-3-2
// (red bits 7-5, green bits 4-2, blue bits 1-0).
type Compact struct{}

// Name names the format.
func (Compact) Name() string { return "tnr-compact" }

// Encode encodes f.
func (Compact) Encode(f Frame) ([]byte, uint32) {
	level := byte((int(clampPercent(f.Brightness))*31 + 50) / 100)
	b0 := StateCode(f.State)<<6 | level
	if f.Blink {
		b0 |= 0x20
	}
	c := f.Colour
	return []byte{b0, c[0]&0xE0 | (c[1]>>3)&0x1C | c[2]>>6}, 11
}
