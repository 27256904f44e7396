package console_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/browser"
)

// streamMaxAge is how long the test server keeps a stream open before it ends it cleanly.
const streamMaxAge = 5 * time.Second

// parkingIngest is a tenant's way in for ChirpStack: an API key with webhook:ingest and the
// tenant's ingest secret, with which every event is signed.
type parkingIngest struct {
	key, secret string
}

func newParkingIngest(t *testing.T, s *apitest.Server, a apitest.Account) parkingIngest {
	t.Helper()
	st, k := s.CreateKey(a, map[string]any{"name": "chirpstack", "scopes": []string{"webhook:ingest"}})
	if st != 201 {
		t.Fatalf("ingest key: %d", st)
	}
	secret := s.Must(201, "POST", "/api/v1/parking/ingest-secret", a.Access, map[string]any{})["secret"].(string)
	return parkingIngest{key: k["key"].(string), secret: secret}
}

// uplink posts a ChirpStack v4 uplink (the recorded one of the parking tests) of eui reporting
// occupied or vacant (Browan TABS byte 0, bit 0) to the real ingest endpoint, signed.
func (in parkingIngest) uplink(t *testing.T, s *apitest.Server, eui string, occupied bool, fcnt int) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "products", "parking", "testdata", "up.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["deviceInfo"].(map[string]any)["devEui"] = strings.ToLower(eui)
	m["deduplicationId"] = uuid.NewString()
	m["fCnt"] = fcnt
	m["time"] = time.Now().UTC().Format(time.RFC3339Nano)
	m["data"] = "AA4xAA=="
	if occupied {
		m["data"] = "AQ4xAA=="
	}
	body, _ := json.Marshal(m)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(in.secret))
	mac.Write([]byte(ts + "." + string(body)))
	r := s.Do("POST", "/api/v1/ingest/chirpstack?event=up", "", string(body),
		"X-API-Key", in.key, "Content-Type", "application/json",
		"X-Tenantry-Timestamp", ts, "X-Tenantry-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	if r.Status != 200 {
		t.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

func randomEUI() string {
	return strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:16])
}

// parkingSignIn signs a in through the sign-in page and waits for the start page.
func parkingSignIn(t *testing.T, p *browser.Page, s *apitest.Server, a apitest.Account) {
	t.Helper()
	p.Go(s.URL + "/sign-in")
	p.Fill(`input[name="email"]`, a.Email)
	p.Fill(`input[name="password"]`, a.Password)
	p.Click(`form button[type="submit"]`)
	p.WaitVisible(`#sign-out`)
}

// goTo follows the navigation link to href inside the page (no reload) and waits for h1 to say want.
func goTo(p *browser.Page, href, want string) {
	p.Eval(fmt.Sprintf(`document.querySelector('a[href=%q]').click()`, href), nil)
	p.WaitText("main h1", want)
}

// open shows path inside the signed-in page as a link would (history and the router, no reload:
// the session lives in the page).
func open(p *browser.Page, path string) {
	p.Eval(fmt.Sprintf(`history.pushState(null, '', %q); dispatchEvent(new PopStateEvent('popstate')); true`, path), nil)
}

// clean fails on console errors and CSP violations of the page.
func clean(t *testing.T, p *browser.Page) {
	t.Helper()
	if e := p.ConsoleErrors(); len(e) > 0 {
		t.Errorf("console errors: %v", e)
	}
	if v := p.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

// holdStreams opens streams of site as a until the tenant's limit refuses one (429), and
// returns what closes them.
func holdStreams(t *testing.T, s *apitest.Server, a apitest.Account, site string) (release func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var bodies []io.Closer
	release = func() {
		cancel()
		for _, b := range bodies {
			_ = b.Close()
		}
	}
	for range 100 {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/v1/sites/"+site+"/stream", nil)
		req.Header.Set("Authorization", "Bearer "+a.Access)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			release()
			t.Fatal(err)
		}
		if res.StatusCode == http.StatusTooManyRequests {
			_ = res.Body.Close()
			return release
		}
		if res.StatusCode != http.StatusOK {
			release()
			t.Fatalf("a stream: %d", res.StatusCode)
		}
		bodies = append(bodies, res.Body)
	}
	release()
	t.Fatal("100 streams and no 429")
	return nil
}

// onStream checks that the board follows the live stream (not polling).
func onStream(t *testing.T, p *browser.Page) {
	t.Helper()
	var mode string
	p.Eval(`document.querySelector('.live-status').dataset.live`, &mode)
	if mode != "live" {
		t.Errorf("the board is not on the live stream: %q (%s)", mode, p.Text(".live-status"))
	}
}

// setLocal sets a datetime-local input to now plus minutes, in the browser's zone.
func setLocal(p *browser.Page, sel string, minutes int) {
	p.Eval(fmt.Sprintf(`(() => {
		const d = new Date(Date.now() + %d * 60000);
		const l = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
		const e = document.querySelector(%q);
		e.value = l;
		e.dispatchEvent(new Event('input', {bubbles: true}));
		return true;
	})()`, minutes, sel), nil)
}

// TestBrowserParking drives the parking pages as an owner: a site and spaces made through the
// pages, a device registered there, an override, reservations created, checked in and cancelled;
// the board turns a space OCCUPIED within 2 s of a real ChirpStack uplink without a reload; the
// orphan inbox assigns an unknown device; every text field holds a canary that stays inert; axe
// finds nothing serious. Another tenant's member gets the not-found page for the site's and the
// space's addresses after A's owner signed out.
func TestBrowserParking(t *testing.T) {
	// Streams end after a few seconds (in production 5 minutes), so the board reconnects during the
	// test, resuming with Last-Event-ID.
	s := apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) { c.Stream.MaxAge = streamMaxAge }})
	a := s.Register("parkops")
	in := newParkingIngest(t, s, a)
	b := browser.Start(t)
	p := b.NewPage(t)
	parkingSignIn(t, p, s, a)

	// Sites: create one named with the canary.
	goTo(p, "/parking/sites", "Sites")
	p.Fill(`form[aria-label="New site"] input[name="name"]`, canary)
	p.Fill(`form[aria-label="New site"] input[name="timezone"]`, "Europe/Berlin")
	p.Click(`form[aria-label="New site"] button[type="submit"]`)
	p.WaitText("table.list", canary)
	inert(t, p, "sites")
	sites := s.Must(200, "GET", "/api/v1/sites?q="+url.QueryEscape("<script>"), a.Access, nil)["items"].([]any)
	if len(sites) != 1 {
		t.Fatalf("sites named with the canary: %d", len(sites))
	}
	site := sites[0].(map[string]any)["id"].(string)
	p.NoSeriousAxe(t)
	p.Screenshot("parking-sites.png")

	// The board: spaces added through its form.
	p.Click(fmt.Sprintf(`a.site-link[href="/parking/sites/%s"]`, site))
	p.WaitText("main h1", "<script>")
	inert(t, p, "board")
	p.WaitText(".live-status", "Live")
	p.Click(`details.pk-disclose summary`)
	codes := []string{"P-01", "P-02", "P-03", "P-04", "P-05"}
	for i, code := range codes[:2] {
		p.Fill(`form[aria-label="Add a space"] input[name="code"]`, code)
		name := ""
		if i == 1 {
			name = canary
		}
		p.Fill(`form[aria-label="Add a space"] input[name="name"]`, name)
		p.Click(`form[aria-label="Add a space"] button[type="submit"]`)
		p.WaitText("ul.board", code)
	}
	inert(t, p, "board with spaces")
	for _, code := range codes[2:] { // the rest through the API, to keep the test short
		s.Must(201, "POST", "/api/v1/spaces", a.Access, map[string]any{"site_id": site, "code": code})
	}
	spaces := map[string]string{}
	for _, it := range s.Must(200, "GET", "/api/v1/spaces?site_id="+site, a.Access, nil)["items"].([]any) {
		sp := it.(map[string]any)
		spaces[sp["code"].(string)] = sp["id"].(string)
	}
	if len(spaces) != len(codes) {
		t.Fatalf("spaces: %v", spaces)
	}

	// Devices: register a sensor on P-01 through the page.
	eui := randomEUI()
	goTo(p, "/parking/devices", "Devices")
	p.Fill(`form[aria-label="Register a device"] input[name="dev_eui"]`, eui)
	p.Select(`form[aria-label="Register a device"] select[name="kind"]`, "sensor")
	p.Fill(`form[aria-label="Register a device"] input[name="name"]`, canary)
	p.Select(`form[aria-label="Register a device"] select[name="space_id"]`, spaces["P-01"])
	p.Click(`form[aria-label="Register a device"] button[type="submit"]`)
	p.WaitText("table.list", eui)
	inert(t, p, "devices")
	dev := s.Must(200, "GET", "/api/v1/devices?dev_eui="+eui, a.Access, nil)["items"].([]any)
	if len(dev) != 1 || dev[0].(map[string]any)["space_id"] != spaces["P-01"] {
		t.Fatalf("the registered device: %v", dev)
	}
	p.NoSeriousAxe(t)
	p.Screenshot("parking-devices.png")

	// An override through the space page: P-02 in maintenance.
	open(p, "/parking/spaces/"+spaces["P-02"])
	p.WaitText("main h1", "Space P-02")
	p.Click(`details.pk-disclose summary`)
	p.Select(`form[aria-label="Set an override"] select[name="kind"]`, "maintenance")
	p.Fill(`form[aria-label="Set an override"] input[name="reason"]`, "repainting")
	p.Click(`form[aria-label="Set an override"] button[type="submit"]`)
	p.WaitText("#space-state", "Maintenance")
	if st := s.Must(200, "GET", "/api/v1/spaces/"+spaces["P-02"], a.Access, nil)["state"]; st != "MAINTENANCE" {
		t.Errorf("P-02 after the override: %v", st)
	}
	inert(t, p, "space")
	p.NoSeriousAxe(t)
	p.Click(`details.pk-disclose:has(form[aria-label="Edit the space"]) summary`)
	p.Fill(`form[aria-label="Edit the space"] input[name="name"]`, "Pillar bay")
	p.Click(`form[aria-label="Edit the space"] button[type="submit"]`)
	p.WaitText(".space-name", "Pillar bay")
	if n := s.Must(200, "GET", "/api/v1/spaces/"+spaces["P-02"], a.Access, nil)["name"]; n != "Pillar bay" {
		t.Errorf("P-02's name after the edit: %v", n)
	}

	// Reservations through the page: a validation error on its field, then P-03 held now (its
	// window began a minute ago), P-04 checked in, P-05 cancelled.
	goTo(p, "/parking/reservations", "Reservations")
	res := `form[aria-label="New reservation"]`
	p.Select(res+` select[name="space_id"]`, spaces["P-03"])
	setLocal(p, res+` input[name="starts_at"]`, 30)
	setLocal(p, res+` input[name="ends_at"]`, 10)
	p.Click(res + ` button[type="submit"]`)
	p.WaitVisible(res + ` [data-field="ends_at"] .field-error`)
	if n := s.Count(`SELECT count(*) FROM reservations`); n != 0 {
		t.Fatalf("a refused reservation was stored: %d", n)
	}
	reserve := func(code string, from, until int, note string) {
		p.Select(res+` select[name="space_id"]`, spaces[code])
		setLocal(p, res+` input[name="starts_at"]`, from)
		setLocal(p, res+` input[name="ends_at"]`, until)
		p.Fill(res+` textarea[name="note"]`, note)
		p.Click(res + ` button[type="submit"]`)
		p.WaitText("#toast", "Reservation created")
		p.Eval(`document.getElementById('toast').replaceChildren()`, nil)
	}
	reserve("P-03", -1, 60, canary)
	reserve("P-04", 5, 60, "check-in")
	reserve("P-05", 120, 180, "to cancel")
	p.WaitText("table.list", "to cancel")
	inert(t, p, "reservations")
	ids := map[string]string{}
	for _, it := range s.Must(200, "GET", "/api/v1/reservations", a.Access, nil)["items"].([]any) {
		r := it.(map[string]any)
		for code, id := range spaces {
			if r["space_id"] == id {
				ids[code] = r["id"].(string)
			}
		}
	}
	if len(ids) != 3 {
		t.Fatalf("reservations: %v", ids)
	}
	p.Click(fmt.Sprintf(`[data-reservation=%q] button.check-in`, ids["P-04"]))
	p.WaitText("#toast", "Checked in")
	p.Click(fmt.Sprintf(`[data-reservation=%q] button.cancel`, ids["P-05"]))
	p.Fill(fmt.Sprintf(`[data-reservation=%q] input[name="reason"]`, ids["P-05"]), "plans changed")
	p.Click(fmt.Sprintf(`[data-reservation=%q] button[type="submit"]`, ids["P-05"]))
	p.WaitText("#toast", "Reservation cancelled")
	if r := s.Must(200, "GET", "/api/v1/reservations/"+ids["P-04"], a.Access, nil); r["checked_in_at"] == nil {
		t.Errorf("P-04 not checked in: %v", r)
	}
	if r := s.Must(200, "GET", "/api/v1/reservations/"+ids["P-05"], a.Access, nil); r["status"] != "cancelled" || r["cancel_reason"] != "plans changed" {
		t.Errorf("P-05 not cancelled: %v", r)
	}
	p.WaitText("table.list", "plans changed")
	p.NoSeriousAxe(t)
	p.Screenshot("parking-reservations.png")

	// The site renamed through the sites page; then the board live: the uplink turns P-01
	// OCCUPIED within 2 s, without a reload.
	goTo(p, "/parking/sites", "Sites")
	row := fmt.Sprintf(`[data-site=%q]`, site)
	p.Click(row + ` button.rename`)
	p.Fill(row+` input[name="name"]`, "Harbour car park")
	p.Click(row + ` button[type="submit"]`)
	p.WaitText("table.list", "Harbour car park")
	if n := s.Must(200, "GET", "/api/v1/sites/"+site, a.Access, nil)["name"]; n != "Harbour car park" {
		t.Errorf("the site's name after the rename: %v", n)
	}
	p.Click(fmt.Sprintf(`a.site-link[href="/parking/sites/%s"]`, site))
	p.WaitText(".live-status", "Live")
	tile := func(code string) string { return fmt.Sprintf(`li[data-space-id=%q]`, spaces[code]) }
	p.WaitText(tile("P-02")+" .tile-state", "Maintenance")
	p.WaitText(tile("P-03")+" .tile-state", "Reserved")
	p.WaitText(tile("P-01")+" .tile-state", "Free")
	p.Eval(`window.__boardMarker = 1`, nil)
	start := time.Now()
	if st := in.uplink(t, s, eui, true, 1)["status"]; st != "stored" {
		t.Fatalf("the sensor's uplink: %v", st)
	}
	p.Timeout = 5 * time.Second
	p.WaitText(tile("P-01")+" .tile-state", "Occupied")
	took := time.Since(start)
	p.Timeout = browser.Timeout
	t.Logf("the tile turned OCCUPIED %s after the uplink was posted", took)
	if took > 2*time.Second {
		t.Errorf("the board showed the uplink after %s, want within 2 s", took)
	}
	var marker int
	p.Eval(`window.__boardMarker || 0`, &marker)
	if marker != 1 {
		t.Error("the board reloaded the page")
	}
	onStream(t, p)
	p.WaitText(`.legend-count[data-state="OCCUPIED"]`, "1")
	p.WaitText(`.legend-count[data-state="total"]`, "5")
	if sub := p.Text(tile("P-01") + " .tile-sub"); !strings.Contains(sub, "occupied") {
		t.Errorf("P-01's sensor line: %q", sub)
	}
	noCanaryRan(t, p, "live board")

	// The server ends the stream at its maximum age; the board reconnects and goes on.
	time.Sleep(streamMaxAge + 500*time.Millisecond)
	start = time.Now()
	in.uplink(t, s, eui, false, 2)
	p.Timeout = 5 * time.Second
	p.WaitText(tile("P-01")+" .tile-state", "Free")
	p.Timeout = browser.Timeout
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("after a reconnection the board showed the uplink after %s, want within 2 s", took)
	}
	onStream(t, p)
	in.uplink(t, s, eui, true, 3)
	p.WaitText(tile("P-01")+" .tile-state", "Occupied")
	p.NoSeriousAxe(t)
	p.Screenshot("parking-board.png")

	// The space page: its history shows the sensor's change.
	p.Click(tile("P-01") + " a")
	p.WaitText("main h1", "Space P-01")
	p.WaitText("#space-state", "Occupied")
	p.WaitText("main", "Free → Occupied")
	inert(t, p, "space")
	p.NoSeriousAxe(t)
	p.Screenshot("parking-space.png")

	// The orphan inbox: an unknown device reports, is assigned to P-05 from the inbox.
	orphanEUI := randomEUI()
	if st := in.uplink(t, s, orphanEUI, false, 1)["status"]; st != "orphan" {
		t.Fatalf("an unknown device's uplink: %v", st)
	}
	goTo(p, "/parking/orphans", "Orphan inbox")
	p.WaitText("table.list", orphanEUI)
	p.NoSeriousAxe(t)
	p.Screenshot("parking-orphans.png")
	p.Select(`form.assign-form select[name="kind"]`, "sensor")
	p.Select(`form.assign-form select[name="space_id"]`, spaces["P-05"])
	p.Click(`form.assign-form button[type="submit"]`)
	p.WaitText("#toast", "Assigned")
	p.WaitText(".list-status", "The inbox is empty")
	dev = s.Must(200, "GET", "/api/v1/devices?dev_eui="+orphanEUI, a.Access, nil)["items"].([]any)
	if len(dev) != 1 || dev[0].(map[string]any)["space_id"] != spaces["P-05"] {
		t.Errorf("the assigned orphan: %v", dev)
	}

	// Without the stream (the tenant's streams are all taken), the board polls: the sensor's
	// next uplink still shows within a few seconds.
	release := holdStreams(t, s, a, site)
	open(p, "/parking/sites/"+site)
	p.WaitText(".live-status", "every 2 seconds")
	in.uplink(t, s, eui, false, 4)
	p.Timeout = 5 * time.Second
	p.WaitText(tile("P-01")+" .tile-state", "Free")
	p.Timeout = browser.Timeout
	release()
	clean(t, p)

	// Another tenant's member: A's site and space are not found, and nothing of A shows.
	other := s.Register("parkother")
	p.Click("#sign-out")
	p.WaitVisible(`input[name="email"]`)
	parkingSignIn(t, p, s, other)
	for _, path := range []string{"/parking/sites/" + site, "/parking/spaces/" + spaces["P-01"]} {
		open(p, path)
		p.WaitText("main h1", "Not found")
		p.WaitText("main", "no such")
		if text := p.Text("main"); strings.Contains(text, "Harbour") || strings.Contains(text, "P-01") {
			t.Errorf("%s shows tenant A's data: %q", path, text)
		}
	}
	open(p, "/parking/sites")
	p.WaitText("table.list", "Main site")
	if strings.Contains(p.Text("main"), "Harbour") {
		t.Error("tenant B's sites list shows tenant A's site")
	}
	noCanaryRan(t, p, "another tenant")
	clean(t, p)
}
