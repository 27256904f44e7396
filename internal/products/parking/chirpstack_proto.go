package parking

import (
	"encoding/json"
	"mime"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/products/parking/chirpstackpb"
)

// protobufTypes are the media types read as ChirpStack's protobuf marshaler: its HTTP integration
// posts application/octet-stream; the other two are the names protobuf bodies commonly go by.
var protobufTypes = map[string]bool{"application/octet-stream": true, "application/x-protobuf": true, "application/protobuf": true}

// isProtobuf reports whether a Content-Type names a protobuf body.
func isProtobuf(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && protobufTypes[mt]
}

// protoMessages makes the message of each event type parking decodes (chirpstackpb).
var protoMessages = map[string]func() proto.Message{
	"up":     func() proto.Message { return &chirpstackpb.UplinkEvent{} },
	"join":   func() proto.Message { return &chirpstackpb.JoinEvent{} },
	"status": func() proto.Message { return &chirpstackpb.StatusEvent{} },
	"ack":    func() proto.Message { return &chirpstackpb.AckEvent{} },
	"txack":  func() proto.Message { return &chirpstackpb.TxAckEvent{} },
}

// parseProtoEvent decodes and validates one event of ChirpStack's protobuf marshaler. Fields the
// schema does not declare are skipped; a malformed or truncated message is Invalid, so nothing is
// stored. Protobuf has no absent scalars: a zero is read as absent, as ChirpStack's JSON marshaler
// omits zero values, so one event gives the same chirpEvent in both encodings.
func parseProtoEvent(kind string, body []byte) (chirpEvent, error) {
	newMsg, ok := protoMessages[kind]
	if !ok {
		return chirpEvent{}, errs.Invalidf("query.event", "not an event parking decodes")
	}
	m := newMsg()
	if err := proto.Unmarshal(body, m); err != nil {
		return chirpEvent{}, errs.Invalidf("body", "malformed protobuf: not a ChirpStack v4 %s event", kind)
	}
	e, err := fromProto(m)
	if err != nil {
		return chirpEvent{}, err
	}
	e.kind = kind
	if e.sample, err = protojson.Marshal(m); err != nil {
		return chirpEvent{}, errs.Invalidf("body", "not a ChirpStack v4 %s event", kind)
	}
	return e, e.validate()
}

// fromProto copies a decoded message into the fields ingest reads.
func fromProto(m proto.Message) (chirpEvent, error) {
	var e chirpEvent
	switch m := m.(type) {
	case *chirpstackpb.UplinkEvent:
		e.common(m.GetDeduplicationId(), m.GetTime(), m.GetDeviceInfo())
		e.FCnt, e.FPort, e.Data = nonZero(m.GetFCnt()), nonZero(m.GetFPort()), m.GetData()
		for _, rx := range m.GetRxInfo() {
			r := chirpRx{GatewayID: rx.GetGatewayId(), RSSI: nonZero(rx.GetRssi())}
			if snr := float64(rx.GetSnr()); snr != 0 {
				r.SNR = &snr
			}
			e.RxInfo = append(e.RxInfo, r)
		}
		if m.GetObject() != nil {
			obj, err := objectJSON(m.GetObject())
			if err != nil {
				return e, err
			}
			e.Object = obj
		}
	case *chirpstackpb.JoinEvent:
		e.common(m.GetDeduplicationId(), m.GetTime(), m.GetDeviceInfo())
	case *chirpstackpb.StatusEvent:
		e.common(m.GetDeduplicationId(), m.GetTime(), m.GetDeviceInfo())
		e.Margin, e.BatteryLevel = nonZero(m.GetMargin()), nonZero(m.GetBatteryLevel())
		e.ExternalPowerSource, e.BatteryLevelUnavailable = m.GetExternalPowerSource(), m.GetBatteryLevelUnavailable()
	case *chirpstackpb.AckEvent:
		e.common(m.GetDeduplicationId(), m.GetTime(), m.GetDeviceInfo())
		e.QueueItemID, e.Acknowledged, e.FCntDown = m.GetQueueItemId(), m.GetAcknowledged(), nonZero(m.GetFCntDown())
	case *chirpstackpb.TxAckEvent:
		e.common("", m.GetTime(), m.GetDeviceInfo())
		e.DownlinkID, e.QueueItemID, e.GatewayID = nonZero(m.GetDownlinkId()), m.GetQueueItemId(), m.GetGatewayId()
		e.FCntDown = nonZero(m.GetFCntDown())
	}
	return e, nil
}

// common copies the fields every event has.
func (e *chirpEvent) common(dedup string, ts *timestamppb.Timestamp, dev *chirpstackpb.DeviceInfo) {
	e.DeduplicationID = dedup
	if ts != nil {
		if err := ts.CheckValid(); err == nil {
			t := ts.AsTime()
			e.Time = &t
		}
	}
	e.DeviceInfo.DevEUI, e.DeviceInfo.DeviceName, e.DeviceInfo.DeviceProfileName = dev.GetDevEui(), dev.GetDeviceName(), dev.GetDeviceProfileName()
}

// objectJSON renders the codec's output (a google.protobuf.Struct) as the JSON object the JSON
// marshaler would have sent.
func objectJSON(s *structpb.Struct) (json.RawMessage, error) {
	b, err := json.Marshal(s.AsMap())
	if err != nil {
		return nil, errs.Invalidf("body.object", "not a JSON-compatible object")
	}
	return b, nil
}

// nonZero returns a pointer to v, or nil for the zero value (protobuf's "not sent").
func nonZero[T int32 | uint32 | float32](v T) *T {
	if v == 0 {
		return nil
	}
	return &v
}
