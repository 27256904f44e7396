package parking

import (
	"context"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/telemetry"
)

// IngestInput is one ChirpStack v4 HTTP integration request. Configure the integration with the
// endpoint URL (ChirpStack appends ?event=...), either payload marshaler (JSON or Protobuf), and a
// static header X-API-Key carrying a key with the webhook:ingest scope.
type IngestInput struct {
	Event     string `query:"event" required:"true" enum:"up,join,status,ack,txack,log,location,integration" doc:"The event type ChirpStack appends; log, location and integration are acknowledged and ignored"`
	Timestamp string `header:"X-Tenantry-Timestamp" doc:"Unix seconds; required with a signature"`
	Signature string `header:"X-Tenantry-Signature" doc:"sha256=hex(HMAC-SHA256(secret, timestamp + \".\" + body)); required when the tenant has an ingest secret"`
	RawBody   []byte `contentType:"application/json"`

	contentType string // the request's Content-Type, read by Resolve
}

// Resolve reads the request's Content-Type, which selects the body's encoding. It is not a
// declared parameter: the OpenAPI document lists the two encodings as the request body's media
// types instead (documentIngestBody).
func (in *IngestInput) Resolve(ctx huma.Context) []error {
	in.contentType = ctx.Header("Content-Type")
	return nil
}

// IngestOutput says what the request did.
type IngestOutput struct {
	Body IngestResult
}

func (s *Service) handleIngest(ctx context.Context, in *IngestInput) (*IngestOutput, error) {
	r, err := s.Ingest(ctx, in.Event, in.contentType, in.RawBody, Signature{Timestamp: in.Timestamp, Value: in.Signature})
	if err != nil {
		telemetry.IngestRejected(errs.KindOf(err).String())
		return nil, err
	}
	telemetry.IngestAccepted(r.Status)
	return &IngestOutput{Body: r}, nil
}

// ChirpStackEvent documents the request body of the ingest endpoint: the fields of a ChirpStack v4
// integration event that Tenantry reads (ChirpStack sends more; they are ignored). The handler reads
// the raw body, which the signature covers, so this type only describes it.
type ChirpStackEvent struct {
	DeduplicationID string `json:"deduplicationId,omitempty" format:"uuid" doc:"De-duplication key of the delivery"`
	Time            string `json:"time,omitempty" format:"date-time"`
	DeviceInfo      struct {
		DevEUI            string `json:"devEui" pattern:"^[0-9A-Fa-f]{16}$"`
		DeviceName        string `json:"deviceName,omitempty" maxLength:"200"`
		DeviceProfileName string `json:"deviceProfileName,omitempty" maxLength:"200"`
	} `json:"deviceInfo"`
	FCnt   int            `json:"fCnt,omitempty" minimum:"0" doc:"up: frame counter (absent means 0)"`
	FPort  int            `json:"fPort,omitempty" minimum:"0" maximum:"255"`
	Data   string         `json:"data,omitempty" format:"byte" doc:"up: the payload, base64"`
	Object map[string]any `json:"object,omitempty" doc:"up: the device profile codec's output, e.g. {\"occupied\": true}"`
	RxInfo []struct {
		GatewayID string  `json:"gatewayId,omitempty" pattern:"^[0-9A-Fa-f]{16}$"`
		RSSI      int     `json:"rssi,omitempty"`
		SNR       float64 `json:"snr,omitempty"`
	} `json:"rxInfo,omitempty"`
	Margin       int     `json:"margin,omitempty" doc:"status: demodulation margin (dB)"`
	BatteryLevel float64 `json:"batteryLevel,omitempty" doc:"status: battery percent"`
}

// documentIngestBody replaces the raw body's "binary" schema in the OpenAPI document with the event
// schema, so clients (and the cross-tenant probe) know what to send, and adds the protobuf
// encoding. Validation stays in parseEvent and parseProtoEvent.
func documentIngestBody(api huma.API) {
	item := api.OpenAPI().Paths["/api/v1/ingest/chirpstack"]
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		return
	}
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ChirpStackEvent](), true, "ChirpStackEvent")
	item.Post.RequestBody.Content = map[string]*huma.MediaType{
		"application/json": {Schema: schema},
		"application/octet-stream": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary",
			Description: "ChirpStack's Protobuf marshaler: the event's message of ChirpStack v4's integration.proto " +
				"(UplinkEvent, JoinEvent, StatusEvent, AckEvent, TxAckEvent), the fields of ChirpStackEvent; other fields are ignored"}},
	}
}
