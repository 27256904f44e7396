package flows_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePSA is a PSA for the tests: a local HTTP server that speaks one vendor's ticket-note API as
// the vendor documents it (paths, authentication, body), checks the credentials it was given, and
// records the notes it accepted. It can be told to fail (500), hang, or rate-limit (429 with
// Retry-After) the next note requests.
//
//   - ConnectWise Manage: POST /v4_6_release/apis/3.0/service/tickets/{id}/notes with Basic
//     company+publicKey:privateKey and a clientId header, body {text, detailDescriptionFlag,
//     internalAnalysisFlag, ...}; GET /v4_6_release/apis/3.0/system/info.
//   - Autotask REST: POST /ATServicesRest/V1.0/Tickets/{id}/Notes with the UserName, Secret and
//     ApiIntegrationCode headers, body {title, description, noteType, publish, ticketID};
//     GET /ATServicesRest/V1.0/Tickets/entityInformation.
//   - HaloPSA: POST /auth/token (client_credentials, form), then POST /api/actions with the Bearer
//     token and a JSON array of actions [{ticket_id, note, outcome, ...}].
type fakePSA struct {
	t        testing.TB
	srv      *httptest.Server
	provider string
	creds    map[string]string // the credentials it accepts, as the API takes them

	mu         sync.Mutex
	requests   []fakeRequest // every note request, accepted or not
	notes      []fakeNote    // the notes accepted
	fail       int           // the next fail note requests answer 500
	limit      int           // the next limit note requests answer 429 with Retry-After
	retryAfter int           // seconds
	hang       int           // the next hang note requests never answer
	onNote     func()        // called when a note is accepted, before the answer
	authFails  int           // requests refused for their credentials
}

// fakeRequest is one note request as the fake saw it.
type fakeRequest struct {
	at     time.Time
	status int
}

// fakeNote is an accepted note.
type fakeNote struct {
	ticket string
	text   string
}

// fakeCreds are the credentials of each provider the tests use; suffix tells tenants apart.
func fakeCreds(provider, suffix string) map[string]string {
	switch provider {
	case "connectwise":
		return map[string]string{"company": "acme" + suffix, "public_key": "pubKEY" + suffix + "WXYZ",
			"private_key": "cw-private-SECRET-" + suffix, "client_id": "client-" + suffix}
	case "autotask":
		return map[string]string{"username": "api" + suffix + "@example.com", "secret": "at-SECRET-" + suffix,
			"integration_code": "INTEGRATIONCODE" + suffix}
	}
	return map[string]string{"client_id": "halo-client-" + suffix, "client_secret": "halo-SECRET-" + suffix}
}

// secrets are the values of creds that must never leave the server.
func secrets(creds map[string]string) []string {
	var out []string
	for _, k := range []string{"private_key", "secret", "client_secret", "integration_code"} {
		if v, ok := creds[k]; ok {
			out = append(out, v)
		}
	}
	return out
}

func newFakePSA(t testing.TB, provider string, creds map[string]string) *fakePSA {
	f := &fakePSA{t: t, provider: provider, creds: creds}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// set changes the fake's behaviour under its lock.
func (f *fakePSA) set(fn func(f *fakePSA)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// Notes returns the accepted notes.
func (f *fakePSA) Notes() []fakeNote {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeNote(nil), f.notes...)
}

// Requests returns the note requests seen.
func (f *fakePSA) Requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

func (f *fakePSA) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case f.provider == "connectwise" && r.Method == "GET" && r.URL.Path == "/v4_6_release/apis/3.0/system/info",
		f.provider == "autotask" && r.Method == "GET" && r.URL.Path == "/ATServicesRest/V1.0/Tickets/entityInformation":
		if !f.authorized(r) {
			http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"version":"fake"}`))
	case f.provider == "halopsa" && r.Method == "POST" && r.URL.Path == "/auth/token":
		f.token(w, r)
	case f.provider == "connectwise" && r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/v4_6_release/apis/3.0/service/tickets/") &&
		strings.HasSuffix(r.URL.Path, "/notes"):
		ticket := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v4_6_release/apis/3.0/service/tickets/"), "/notes")
		f.note(w, r, ticket)
	case f.provider == "autotask" && r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/ATServicesRest/V1.0/Tickets/") &&
		strings.HasSuffix(r.URL.Path, "/Notes"):
		ticket := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/ATServicesRest/V1.0/Tickets/"), "/Notes")
		f.note(w, r, ticket)
	case f.provider == "halopsa" && r.Method == "POST" && r.URL.Path == "/api/actions":
		f.note(w, r, "")
	default:
		http.Error(w, `{"message":"no such resource"}`, http.StatusNotFound)
	}
}

// authorized checks a request's credentials as the vendor would.
func (f *fakePSA) authorized(r *http.Request) bool {
	c := f.creds
	switch f.provider {
	case "connectwise":
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(c["company"]+"+"+c["public_key"]+":"+c["private_key"]))
		return r.Header.Get("Authorization") == want && r.Header.Get("clientId") == c["client_id"]
	case "autotask":
		return r.Header.Get("UserName") == c["username"] && r.Header.Get("Secret") == c["secret"] &&
			r.Header.Get("ApiIntegrationCode") == c["integration_code"]
	}
	return r.Header.Get("Authorization") == "Bearer "+f.haloToken()
}

func (f *fakePSA) haloToken() string { return "halo-token-for-" + f.creds["client_id"] }

// token is HaloPSA's client credentials grant.
func (f *fakePSA) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_id") != f.creds["client_id"] || r.PostForm.Get("client_secret") != f.creds["client_secret"] {
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": f.haloToken(), "token_type": "Bearer", "expires_in": 3600})
}

// note handles a note request: the failure modes first, then the credentials and the body.
func (f *fakePSA) note(w http.ResponseWriter, r *http.Request, ticket string) {
	f.mu.Lock()
	req := fakeRequest{at: time.Now()}
	var hang bool
	switch {
	case f.hang > 0:
		f.hang--
		hang = true
	case f.fail > 0:
		f.fail--
		req.status = http.StatusInternalServerError
	case f.limit > 0:
		f.limit--
		req.status = http.StatusTooManyRequests
	case !f.authorized(r):
		f.authFails++
		req.status = http.StatusUnauthorized
	}
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	if hang { // read the body, so that the server sees the client go away, then never answer
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
		return
	}
	if req.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
	}
	if req.status != 0 {
		http.Error(w, `{"message":"refused"}`, req.status)
		return
	}
	ticket, text, ok := f.decode(r, ticket)
	if !ok {
		f.t.Errorf("fake %s: a note request without the vendor's body shape", f.provider)
		http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.notes = append(f.notes, fakeNote{ticket: ticket, text: text})
	id, hook := len(f.notes), f.onNote
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	if f.provider == "autotask" {
		_ = json.NewEncoder(w).Encode(map[string]any{"itemId": id})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id})
}

// decode checks the vendor's body shape and returns the ticket and the note's text (HaloPSA has
// the ticket in the body, the others in the path).
func (f *fakePSA) decode(r *http.Request, ticket string) (string, string, bool) {
	switch f.provider {
	case "connectwise":
		var b struct {
			Text                  string `json:"text"`
			DetailDescriptionFlag *bool  `json:"detailDescriptionFlag"`
			InternalAnalysisFlag  *bool  `json:"internalAnalysisFlag"`
		}
		err := json.NewDecoder(r.Body).Decode(&b)
		return ticket, b.Text, err == nil && b.Text != "" && b.DetailDescriptionFlag != nil && b.InternalAnalysisFlag != nil
	case "autotask":
		var b struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			NoteType    int    `json:"noteType"`
			Publish     int    `json:"publish"`
			TicketID    int64  `json:"ticketID"`
		}
		err := json.NewDecoder(r.Body).Decode(&b)
		return ticket, b.Description, err == nil && b.Title != "" && b.Description != "" && b.NoteType > 0 && b.Publish > 0 &&
			strconv.FormatInt(b.TicketID, 10) == ticket
	}
	var b []struct {
		TicketID int64  `json:"ticket_id"`
		Note     string `json:"note"`
		Outcome  string `json:"outcome"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || len(b) != 1 || b[0].Note == "" || b[0].TicketID == 0 {
		return "", "", false
	}
	return strconv.FormatInt(b[0].TicketID, 10), b[0].Note, b[0].Outcome != ""
}
