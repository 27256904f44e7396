package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"
)

func cmdSimulate(ctx context.Context, env *environment, args []string) error {
	fs := flagSet(env, "simulate --url URL --api-key KEY [flags]", "Posts ChirpStack v4 HTTP-integration events (uplinks with occupancy, now and then a\n"+
		"device status) to the ingest endpoint, as a ChirpStack server would, for sensors of the key's tenant.", []string{"TENANTRY_API_KEY"})
	url := fs.String("url", "http://127.0.0.1:8080", "base URL of the Tenantry API")
	key := fs.String("api-key", env.getenv("TENANTRY_API_KEY"), "API key with webhook:ingest (and devices:read unless --devices is given); default $TENANTRY_API_KEY")
	devices := fs.String("devices", "", "comma-separated DevEUIs; default: the tenant's registered sensors")
	interval := fs.Duration("interval", 2*time.Second, "time between events")
	count := fs.Int("count", 0, "number of events to post; 0: until interrupted")
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	if *key == "" {
		return errUsage{"--api-key (or TENANTRY_API_KEY) is required"}
	}
	if *interval <= 0 {
		return errUsage{"--interval must be positive"}
	}
	sim := newSimulator(strings.TrimRight(*url, "/"), *key)
	if *devices != "" {
		sim.sensors = strings.Split(*devices, ",")
	} else if err := sim.discover(ctx); err != nil {
		return err
	}
	return sim.run(ctx, env.stdout, *interval, *count)
}

// simulator plays a ChirpStack v4 server with a few occupancy sensors behind one gateway.
type simulator struct {
	base, key string
	client    *http.Client
	sensors   []string
	fcnt      map[string]int
	occupied  map[string]bool
	gateway   string
}

func newSimulator(base, key string) *simulator {
	return &simulator{base: base, key: key, client: &http.Client{Timeout: 10 * time.Second},
		fcnt: map[string]int{}, occupied: map[string]bool{}, gateway: "7076ff0064030456"}
}

// discover lists the tenant's sensors with the key.
func (s *simulator) discover(ctx context.Context) error {
	var page struct {
		Items []struct {
			DevEUI string `json:"dev_eui"`
		} `json:"items"`
	}
	if err := s.call(ctx, http.MethodGet, "/api/v1/devices?kind=sensor&limit=100", nil, &page); err != nil {
		return fmt.Errorf("simulate: listing sensors (the key needs devices:read, or pass --devices): %w", err)
	}
	for _, d := range page.Items {
		s.sensors = append(s.sensors, d.DevEUI)
	}
	if len(s.sensors) == 0 {
		return fmt.Errorf("simulate: the tenant has no sensors; register some or pass --devices")
	}
	return nil
}

// run posts count events (0: until ctx ends), one every interval.
func (s *simulator) run(ctx context.Context, out io.Writer, interval time.Duration, count int) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := 0; count == 0 || i < count; i++ {
		line, err := s.step(ctx, i)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, line)
		if count != 0 && i == count-1 {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
	return nil
}

// step posts one event: every 10th a device status, else an uplink that may flip occupancy.
func (s *simulator) step(ctx context.Context, i int) (string, error) {
	eui := s.sensors[mrand.IntN(len(s.sensors))]
	kind, body := "up", s.uplink(eui)
	if i%10 == 9 {
		kind, body = "status", s.status(eui)
	}
	var res struct {
		Status     string `json:"status"`
		SpaceState string `json:"space_state"`
	}
	if err := s.call(ctx, http.MethodPost, "/api/v1/ingest/chirpstack?event="+kind, body, &res); err != nil {
		return "", err
	}
	what := kind
	if kind == "up" {
		what = map[bool]string{true: "occupied", false: "vacant"}[s.occupied[eui]]
	}
	return fmt.Sprintf("%s  %s  %-8s -> %s %s", time.Now().Format("15:04:05"), strings.ToUpper(eui), what, res.Status, res.SpaceState), nil
}

// uplink builds a ChirpStack v4 "up" event; the payload is the Browan TABS layout (byte 0, bit 0 =
// occupied) and the codec object says the same, as a device profile with a codec would.
func (s *simulator) uplink(eui string) []byte {
	if mrand.IntN(2) == 0 {
		s.occupied[eui] = !s.occupied[eui]
	}
	s.fcnt[eui]++
	b := byte(0)
	if s.occupied[eui] {
		b = 1
	}
	ev := s.baseEvent(eui)
	ev["fCnt"], ev["fPort"], ev["dr"], ev["adr"] = s.fcnt[eui], 102, 5, true
	ev["data"] = []byte{b, 0x0e, 0x31, 0x00}
	ev["object"] = map[string]any{"occupied": s.occupied[eui]}
	ev["rxInfo"] = []map[string]any{{"gatewayId": s.gateway, "uplinkId": mrand.IntN(1 << 30), "rssi": -70 - mrand.IntN(50),
		"snr": float64(mrand.IntN(200)-50) / 10, "channel": mrand.IntN(8), "crcStatus": "CRC_OK",
		"metadata": map[string]string{"region_config_id": "eu868", "region_common_name": "EU868"}}}
	ev["txInfo"] = map[string]any{"frequency": 868100000, "modulation": map[string]any{"lora": map[string]any{"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}}}
	raw, _ := json.Marshal(ev)
	return raw
}

// status builds a ChirpStack v4 "status" event (DevStatusAns: margin and battery).
func (s *simulator) status(eui string) []byte {
	ev := s.baseEvent(eui)
	ev["margin"], ev["batteryLevel"] = 5+mrand.IntN(10), 60+float64(mrand.IntN(400))/10
	raw, _ := json.Marshal(ev)
	return raw
}

// baseEvent is the part every event shares ([]byte values marshal as base64, as ChirpStack's do).
func (s *simulator) baseEvent(eui string) map[string]any {
	var id [16]byte
	_, _ = rand.Read(id[:])
	dedup := hex.EncodeToString(id[:4]) + "-" + hex.EncodeToString(id[4:6]) + "-" + hex.EncodeToString(id[6:8]) + "-" + hex.EncodeToString(id[8:10]) + "-" + hex.EncodeToString(id[10:])
	return map[string]any{
		"deduplicationId": dedup,
		"time":            time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"deviceInfo": map[string]any{"tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242", "tenantName": "ChirpStack",
			"applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97", "applicationName": "parking", "deviceProfileName": "Browan TBSP100",
			"deviceName": "sim-" + strings.ToLower(eui[len(eui)-4:]), "devEui": strings.ToLower(eui), "deviceClassEnabled": "CLASS_A"},
	}
}

// call sends one request with the API key and decodes the JSON answer into out.
func (s *simulator) call(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", s.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}
