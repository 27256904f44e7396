package parking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
)

// ignoredEvents are the ChirpStack v4 HTTP integration events (the `event` query parameter) that
// carry nothing parking needs: acknowledged and ignored, so ChirpStack does not retry them.
var ignoredEvents = map[string]bool{"log": true, "location": true, "integration": true}

// chirpEvent is the part of a ChirpStack v4 integration event (JSON marshaler) that ingest reads.
// Zero values are omitted by ChirpStack, so every number is optional (a missing fCnt is 0).
type chirpEvent struct {
	DeduplicationID string     `json:"deduplicationId"`
	Time            *time.Time `json:"time"`
	DeviceInfo      struct {
		DevEUI            string `json:"devEui"`
		DeviceName        string `json:"deviceName"`
		DeviceProfileName string `json:"deviceProfileName"`
	} `json:"deviceInfo"`
	FCnt   *uint32         `json:"fCnt"`
	FPort  *uint32         `json:"fPort"`
	Data   []byte          `json:"data"` // base64 in the JSON
	Object json.RawMessage `json:"object"`
	RxInfo []chirpRx       `json:"rxInfo"`
	// status
	Margin                  *int32   `json:"margin"`
	ExternalPowerSource     bool     `json:"externalPowerSource"`
	BatteryLevelUnavailable bool     `json:"batteryLevelUnavailable"`
	BatteryLevel            *float32 `json:"batteryLevel"`
	// ack, txack
	QueueItemID  string  `json:"queueItemId"`
	DownlinkID   *uint32 `json:"downlinkId"`
	GatewayID    string  `json:"gatewayId"`
	Acknowledged bool    `json:"acknowledged"`
	FCntDown     *uint32 `json:"fCntDown"`

	kind   string // the event type
	eui    string // deviceInfo.devEui, canonical
	sample []byte // the event as JSON, for the orphan inbox: the body, or a protobuf event's JSON form
}

// chirpRx is one gateway's reception of an uplink (rxInfo).
type chirpRx struct {
	GatewayID string   `json:"gatewayId"`
	RSSI      *int32   `json:"rssi"`
	SNR       *float64 `json:"snr"`
}

// decodeEvent decodes one event in the encoding the request's Content-Type names: ChirpStack's
// protobuf marshaler posts application/octet-stream (see isProtobuf), its JSON marshaler
// application/json; a request with any other or no Content-Type is read as JSON, as before
// protobuf was accepted. Both encodings are validated by the same rules (validate).
func decodeEvent(kind, contentType string, body []byte) (chirpEvent, error) {
	if isProtobuf(contentType) {
		return parseProtoEvent(kind, body)
	}
	return parseEvent(kind, body)
}

// parseEvent decodes and validates one event. Malformed JSON or a missing or malformed DevEUI is
// Invalid, so nothing is stored.
func parseEvent(kind string, body []byte) (chirpEvent, error) {
	var e chirpEvent
	if !json.Valid(body) {
		return e, errs.Invalidf("body", "malformed JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&e); err != nil {
		return e, errs.Invalidf("body", "not a ChirpStack event: %s", fieldOf(err))
	}
	e.kind, e.sample = kind, body
	return e, e.validate()
}

// validate checks what both encodings must carry: a well-formed DevEUI, bounded keys, and an
// object codec output. It sets the canonical EUI.
func (e *chirpEvent) validate() error {
	var ok bool
	if e.eui, ok = ParseEUI(e.DeviceInfo.DevEUI); !ok {
		return errs.Invalidf("body.deviceInfo.devEui", "must be 16 hexadecimal digits")
	}
	if len(e.DeduplicationID) > 100 || len(e.QueueItemID) > 100 {
		return errs.Invalidf("body.deduplicationId", "too long")
	}
	if len(e.Object) > 0 && !bytes.HasPrefix(bytes.TrimSpace(e.Object), []byte("{")) && string(bytes.TrimSpace(e.Object)) != "null" {
		return errs.Invalidf("body.object", "must be an object")
	}
	return nil
}

// fieldOf names the field a JSON decoding error is about, without echoing the value.
func fieldOf(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "wrong type for " + te.Field
	}
	return "invalid value"
}

// measuredAt is when the event happened: its time, or now when it has none or claims the future.
func (e chirpEvent) measuredAt(now time.Time) time.Time {
	if e.Time == nil || e.Time.IsZero() || e.Time.After(now.Add(time.Minute)) {
		return now
	}
	return *e.Time
}

// bestSignal returns the reception with the strongest RSSI.
func (e chirpEvent) bestSignal() (rssi *int32, snr *float64, gateway *string) {
	for i := range e.RxInfo {
		rx := &e.RxInfo[i]
		if rx.RSSI == nil || (rssi != nil && *rx.RSSI <= *rssi) {
			continue
		}
		rssi, snr = rx.RSSI, rx.SNR
		if gw, ok := ParseEUI(rx.GatewayID); ok {
			gateway = &gw
		}
	}
	return rssi, snr, gateway
}

// gateways returns the canonical ids of the gateways that received the event.
func (e chirpEvent) gateways() []string {
	var out []string
	for _, rx := range e.RxInfo {
		if gw, ok := ParseEUI(rx.GatewayID); ok {
			out = append(out, gw)
		}
	}
	if gw, ok := ParseEUI(e.GatewayID); ok {
		out = append(out, gw)
	}
	return out
}

// dedupKey identifies a delivery: ChirpStack's deduplicationId (txack: the downlink id), else for
// uplinks the device's frame counter within its current join epoch. "" means no key.
func (e chirpEvent) dedupKey(epoch int32) string {
	switch {
	case e.kind == "txack" && e.DownlinkID != nil:
		return fmt.Sprintf("txack:%d:%s", *e.DownlinkID, e.QueueItemID)
	case e.DeduplicationID != "":
		return e.kind + ":" + e.DeduplicationID
	case e.kind == "up":
		return fmt.Sprintf("up:%s:%d:%d", e.eui, epoch, e.fCnt())
	}
	return ""
}

func (e chirpEvent) fCnt() int64 {
	if e.FCnt == nil {
		return 0
	}
	return int64(*e.FCnt)
}
