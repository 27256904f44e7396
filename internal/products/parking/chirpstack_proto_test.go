package parking

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ProtoEvent encodes a ChirpStack JSON event as ChirpStack's protobuf marshaler would send it: the
// fields our schema declares, plus fields ChirpStack v4 sends that the schema leaves out (with
// ChirpStack's numbers: devAddr, adr, dr, txInfo, deviceInfo.tenantId and tags, rxInfo's uplinkId,
// channel, context and crcStatus) and one no version has yet. The receiver must skip those.
func ProtoEvent(t testing.TB, kind string, jsonBody []byte) []byte {
	t.Helper()
	m := protoMessages[kind]()
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(jsonBody, m); err != nil {
		t.Fatalf("%s event as protobuf: %v", kind, err)
	}
	r := m.ProtoReflect()
	addUnknown(r, kindUnknown[kind])
	if fd := r.Descriptor().Fields().ByName("device_info"); fd != nil && r.Has(fd) {
		var di []byte
		di = protowire.AppendTag(di, 1, protowire.BytesType) // tenant_id
		di = protowire.AppendString(di, "52f14cd4-c6f1-4fbd-8f87-4025e1d49242")
		var tag []byte // tags: map<string, string>, one entry
		tag = protowire.AppendTag(tag, 1, protowire.BytesType)
		tag = protowire.AppendString(tag, "site")
		tag = protowire.AppendTag(tag, 2, protowire.BytesType)
		tag = protowire.AppendString(tag, "harbour")
		di = protowire.AppendTag(di, 9, protowire.BytesType)
		di = protowire.AppendBytes(di, tag)
		addUnknown(r.Mutable(fd).Message(), di)
	}
	if fd := r.Descriptor().Fields().ByName("rx_info"); fd != nil {
		list := r.Mutable(fd).List()
		for i := range list.Len() {
			var rx []byte
			rx = protowire.AppendTag(rx, 2, protowire.VarintType) // uplink_id
			rx = protowire.AppendVarint(rx, 3123512)
			rx = protowire.AppendTag(rx, 8, protowire.VarintType) // channel
			rx = protowire.AppendVarint(rx, 2)
			rx = protowire.AppendTag(rx, 13, protowire.BytesType) // context
			rx = protowire.AppendBytes(rx, []byte{0x30, 0x5d, 0xc4, 0x6c})
			rx = protowire.AppendTag(rx, 16, protowire.VarintType) // crc_status CRC_OK
			rx = protowire.AppendVarint(rx, 2)
			addUnknown(list.Get(i).Message(), rx)
		}
	}
	out, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func addUnknown(m protoreflect.Message, raw []byte) {
	// A field number no ChirpStack version uses yet, with a nested message, as a later one might add.
	raw = protowire.AppendTag(raw, 1999, protowire.BytesType)
	raw = protowire.AppendBytes(raw, protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 42))
	m.SetUnknown(append(m.GetUnknown(), raw...))
}

// kindUnknown are top-level fields of each ChirpStack event that our schema does not declare.
var kindUnknown = map[string][]byte{
	"up": func() []byte {
		var b []byte
		b = protowire.AppendTag(b, 4, protowire.BytesType) // dev_addr
		b = protowire.AppendString(b, "01d7a3c2")
		b = protowire.AppendTag(b, 5, protowire.VarintType) // adr
		b = protowire.AppendVarint(b, 1)
		b = protowire.AppendTag(b, 6, protowire.VarintType) // dr
		b = protowire.AppendVarint(b, 5)
		b = protowire.AppendTag(b, 13, protowire.BytesType) // tx_info {frequency: 868500000}
		return protowire.AppendBytes(b, protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 868500000))
	}(),
	"join": protowire.AppendString(protowire.AppendTag(nil, 4, protowire.BytesType), "01d7a3c2"), // dev_addr
	"ack":  nil,                                                                                  // every field of ChirpStack's AckEvent is declared
	"txack": protowire.AppendBytes(protowire.AppendTag(nil, 7, protowire.BytesType), // tx_info {frequency: 869525000}
		protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 869525000)),
	"status": nil,
}

// TestProtoEventsMatchJSON decodes every recorded event from both encodings: the protobuf form
// (with fields the schema does not declare) reads exactly as the JSON form.
func TestProtoEventsMatchJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ kind, file string }{{"up", "up.json"}, {"up", "up_codec.json"}, {"join", "join.json"},
		{"status", "status.json"}, {"ack", "ack.json"}, {"txack", "txack.json"}} {
		body, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		fromJSON, err := decodeEvent(c.kind, "application/json", body)
		if err != nil {
			t.Fatalf("%s as JSON: %v", c.file, err)
		}
		fromProto, err := decodeEvent(c.kind, "application/octet-stream", ProtoEvent(t, c.kind, body))
		if err != nil {
			t.Fatalf("%s as protobuf: %v", c.file, err)
		}
		if a, b := decoded(t, fromProto.Object), decoded(t, fromJSON.Object); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: object %v (protobuf) vs %v (JSON)", c.file, a, b)
		}
		if fromProto.Time == nil || !fromProto.Time.Equal(*fromJSON.Time) {
			t.Errorf("%s: time %v (protobuf) vs %v (JSON)", c.file, fromProto.Time, fromJSON.Time)
		}
		fromJSON.sample, fromProto.sample, fromJSON.Object, fromProto.Object = nil, nil, nil, nil
		fromJSON.Time, fromProto.Time = nil, nil
		if !reflect.DeepEqual(fromProto, fromJSON) {
			t.Errorf("%s: protobuf decodes as\n%+v\nJSON as\n%+v", c.file, fromProto, fromJSON)
		}
	}
}

func decoded(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMalformedProtoEvents: a truncated message, a string that is not UTF-8, JSON sent as protobuf
// and a message without a valid DevEUI are refused. (A known field of another wire type is, by
// protobuf's rules, an unknown field: skipped, not refused.)
func TestMalformedProtoEvents(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "up.json"))
	if err != nil {
		t.Fatal(err)
	}
	good := ProtoEvent(t, "up", body)
	badUTF8 := protowire.AppendTag(nil, 3, protowire.BytesType) // device_info {dev_eui: "\xff..."}
	badUTF8 = protowire.AppendBytes(badUTF8, protowire.AppendBytes(protowire.AppendTag(nil, 8, protowire.BytesType), []byte("\xffe1e10001061a2b")))
	for name, raw := range map[string][]byte{
		"truncated":      good[:len(good)-3],
		"one byte short": good[:len(good)-1],
		"not UTF-8":      badUTF8,
		"no devEui":      ProtoEvent(t, "up", []byte(`{"fCnt":1}`)),
		"bad devEui":     ProtoEvent(t, "up", []byte(`{"deviceInfo":{"devEui":"0102"}}`)),
		"JSON as proto":  body,
	} {
		if _, err := decodeEvent("up", "application/octet-stream", raw); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := decodeEvent("up", "application/octet-stream", good); err != nil {
		t.Errorf("the intact message: %v", err)
	}
}

// TestChirpStackWireNumbers decodes messages built byte by byte from ChirpStack v4's published
// schema (integration.proto, gw.proto, google/protobuf/struct.proto), not from ours: a wrong field
// number or type in integration.proto here fails it.
func TestChirpStackWireNumbers(t *testing.T) {
	t.Parallel()
	msg := func(fields ...[]byte) []byte {
		var b []byte
		for _, f := range fields {
			b = append(b, f...)
		}
		return b
	}
	str := func(n protowire.Number, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, n, protowire.BytesType), s)
	}
	sub := func(n protowire.Number, m []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, n, protowire.BytesType), m)
	}
	varint := func(n protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, n, protowire.VarintType), v)
	}
	f32 := func(n protowire.Number, v float32) []byte {
		return protowire.AppendFixed32(protowire.AppendTag(nil, n, protowire.Fixed32Type), math.Float32bits(v))
	}
	minus97 := int64(-97) // int32 fields are varints of the sign-extended 64-bit value
	device := sub(3, msg(str(6, "Browan TBSP100"), str(7, "bay-a-017"), str(8, "e8e1e10001061a2b")))
	ts := sub(2, msg(varint(1, 1795426867), varint(2, 512345000)))
	occupied := sub(1, msg(str(1, "occupied"), sub(2, varint(4, 1)))) // Struct.fields entry: Value.bool_value
	rx := sub(12, msg(str(1, "7076ff0064030456"), varint(6, uint64(minus97)), f32(7, 7.25)))
	up := msg(str(1, "5c1b86f4-8c7d-4a2e-9a64-0f3a7f0b2d11"), ts, device, varint(7, 142), varint(8, 102),
		sub(10, []byte{0x01, 0x0e}), sub(11, occupied), rx)
	e, err := decodeEvent("up", "application/octet-stream", up)
	if err != nil {
		t.Fatal(err)
	}
	rssi, snr, gw := e.bestSignal()
	if e.eui != "E8E1E10001061A2B" || e.DeviceInfo.DeviceName != "bay-a-017" || e.DeviceInfo.DeviceProfileName != "Browan TBSP100" ||
		e.fCnt() != 142 || *e.FPort != 102 || len(e.Data) != 2 || e.Time.Unix() != 1795426867 || *rssi != -97 || *snr != 7.25 ||
		*gw != "7076FF0064030456" || e.dedupKey(0) != "up:5c1b86f4-8c7d-4a2e-9a64-0f3a7f0b2d11" {
		t.Errorf("up: %+v", e)
	}
	if occ := DecodeOccupancy(FormatCodec, e.Object, nil); occ == nil || !*occ {
		t.Errorf("up: object %s", e.Object)
	}
	status := msg(str(1, "d1"), device, varint(5, 9), varint(6, 1), f32(8, 87.5))
	if e, err = decodeEvent("status", "application/octet-stream", status); err != nil {
		t.Fatal(err)
	}
	if *e.Margin != 9 || !e.ExternalPowerSource || e.BatteryLevelUnavailable || *e.BatteryLevel != 87.5 {
		t.Errorf("status: %+v", e)
	}
	txack := msg(varint(1, 1820391872), device, str(4, "4b9d2a31"), varint(5, 3), str(6, "7076ff0064030456"))
	if e, err = decodeEvent("txack", "application/octet-stream", txack); err != nil {
		t.Fatal(err)
	}
	if e.dedupKey(0) != "txack:1820391872:4b9d2a31" || len(e.gateways()) != 1 {
		t.Errorf("txack: %+v", e)
	}
	ack := msg(str(1, "a1"), device, str(4, "q1"), varint(5, 1))
	if e, err = decodeEvent("ack", "application/octet-stream", ack); err != nil || e.QueueItemID != "q1" || e.dedupKey(0) != "ack:a1" {
		t.Errorf("ack: %+v %v", e, err)
	}
}

// IngestIgnoredEvent reports whether ingest acknowledges and ignores an event type (for the
// HTTP tests, which send those as they are).
func IngestIgnoredEvent(kind string) bool { return ignoredEvents[kind] }
