package parking

import (
	"encoding/json"
	"strings"
)

// Payload formats of sensors. auto: the ChirpStack codec's object when it has an occupancy field,
// else the data bytes in the Browan TABS layout; codec: the object only; tabs: the data only.
const (
	FormatAuto  = "auto"
	FormatCodec = "codec"
	FormatTABS  = "tabs"
)

// occupancyKeys are the codec object fields that carry occupancy, in the order they are tried.
var occupancyKeys = []string{"occupied", "occupancy", "parkingStatus", "parking_status", "status", "state", "presence"}

// DecodeOccupancy decodes a sensor's occupancy from an uplink: true occupied, false vacant, nil unknown.
func DecodeOccupancy(format string, object json.RawMessage, data []byte) *bool {
	if format != FormatTABS {
		if v := fromObject(object); v != nil || format == FormatCodec {
			return v
		}
	}
	return fromTABS(data)
}

// fromTABS reads the Browan TABS parking/occupancy layout: bit 0 of the first byte is "occupied".
func fromTABS(data []byte) *bool {
	if len(data) == 0 {
		return nil
	}
	v := data[0]&1 == 1
	return &v
}

func fromObject(object json.RawMessage) *bool {
	var m map[string]any
	if len(object) == 0 || json.Unmarshal(object, &m) != nil {
		return nil
	}
	for _, k := range occupancyKeys {
		if v, ok := m[k]; ok {
			if b := truth(v); b != nil {
				return b
			}
		}
	}
	return nil
}

// truth reads a codec value as occupied (true) or vacant (false).
func truth(v any) *bool {
	yes, no := true, false
	switch v := v.(type) {
	case bool:
		return &v
	case float64:
		if v == 1 {
			return &yes
		}
		if v == 0 {
			return &no
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "occupied", "busy", "taken", "present", "true", "1", "on":
			return &yes
		case "free", "vacant", "empty", "available", "absent", "false", "0", "off":
			return &no
		}
	}
	return nil
}
