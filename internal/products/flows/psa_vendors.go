package flows

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/outbound"
)

// The PSA providers a connection can name.
const (
	ProviderConnectWise = "connectwise"
	ProviderAutotask    = "autotask"
	ProviderHaloPSA     = "halopsa"
)

// PSACredentials are a connection's credentials, sealed at rest and never returned. Which fields a
// provider needs: ConnectWise Manage company, public key, private key and client id; Autotask
// username (an API user), secret and API integration code; HaloPSA client id and client secret
// (client credentials grant).
type PSACredentials struct {
	Company         string `json:"company,omitempty" maxLength:"200" doc:"ConnectWise: the company id used to sign in"`
	PublicKey       string `json:"public_key,omitempty" maxLength:"200" doc:"ConnectWise: the API member's public key"`
	PrivateKey      string `json:"private_key,omitempty" maxLength:"200" doc:"ConnectWise: the API member's private key"`
	ClientID        string `json:"client_id,omitempty" maxLength:"200" doc:"ConnectWise: the integration's clientId; HaloPSA: the API application's client id"`
	Username        string `json:"username,omitempty" maxLength:"200" doc:"Autotask: the API user's user name"`
	Secret          string `json:"secret,omitempty" maxLength:"200" doc:"Autotask: the API user's secret"`
	IntegrationCode string `json:"integration_code,omitempty" maxLength:"200" doc:"Autotask: the API tracking identifier (ApiIntegrationCode)"`
	ClientSecret    string `json:"client_secret,omitempty" maxLength:"200" doc:"HaloPSA: the API application's client secret"`
}

// check validates the credentials for provider and returns their hint: the last four characters of
// a part that is not secret (ConnectWise public key, Autotask user name, HaloPSA client id).
func (c PSACredentials) check(provider string) (string, error) {
	var need map[string]string
	var public string
	switch provider {
	case ProviderConnectWise:
		need = map[string]string{"company": c.Company, "public_key": c.PublicKey, "private_key": c.PrivateKey, "client_id": c.ClientID}
		public = c.PublicKey
	case ProviderAutotask:
		need = map[string]string{"username": c.Username, "secret": c.Secret, "integration_code": c.IntegrationCode}
		public = c.Username
	case ProviderHaloPSA:
		need = map[string]string{"client_id": c.ClientID, "client_secret": c.ClientSecret}
		public = c.ClientID
	default:
		return "", errs.Invalidf("body.provider", "must be connectwise, autotask or halopsa")
	}
	out := &errs.Error{Kind: errs.Invalid, Message: "validation failed"}
	for _, f := range []string{"company", "public_key", "private_key", "client_id", "username", "secret", "integration_code", "client_secret"} {
		if v, ok := need[f]; ok && strings.TrimSpace(v) == "" {
			out.Fields = append(out.Fields, errs.FieldError{Location: "body.credentials." + f, Message: "required for " + provider})
		}
	}
	if len(out.Fields) > 0 {
		return "", out
	}
	if len(public) > 4 {
		public = public[len(public)-4:]
	}
	return public, nil
}

// psaTarget is what one call to a PSA needs: the connection's provider, site and credentials.
type psaTarget struct {
	provider string
	site     string // the site URL, without a trailing slash
	creds    PSACredentials
}

// psaNote is one note to post on a ticket.
type psaNote struct {
	ticket int64
	title  string
	text   string
}

// errPSA is a failed call to a PSA: the status (0 without an answer) and, for 429, how long the
// PSA asked us to wait (Retry-After). Its message never carries a credential.
type errPSA struct {
	status     int
	retryAfter time.Duration
	msg        string
}

func (e *errPSA) Error() string { return e.msg }

// checkSiteURL validates a connection's site URL with the webhook endpoints' rules
// (outbound.CheckURL), no query string either; the client's dialer checks the resolved address.
func (c PSAConfig) checkSiteURL(raw string) (string, error) {
	u, err := outbound.CheckURL(raw, outbound.URLRules{Field: "body.site_url", AllowPrivate: c.AllowPrivate, NoQuery: true})
	if err != nil {
		return "", err
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// newPSAClient returns the client of PSA calls (outbound.Client): no proxy, no redirects, each
// connection's address checked after resolution, every call bounded by the timeout.
func newPSAClient(c PSAConfig) *http.Client {
	return outbound.Client(outbound.ClientConfig{Timeout: c.Timeout, AllowPrivate: c.AllowPrivate, MaxIdleConns: 32,
		Refused: errors.New("refused: the PSA site resolves to a loopback, private or reserved address")})
}

// call sends one request and decodes a 2xx JSON answer into out (nil: ignored). A non-2xx answer
// is an *errPSA; a 429's Retry-After (seconds or an HTTP date) is kept, at most an hour.
func (s *Service) psaCall(ctx context.Context, method, target string, headers map[string]string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return &errPSA{msg: "the site URL is not usable"}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Tenantry-PSA/1")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.psa.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return &errPSA{msg: "the PSA did not answer in time"}
		}
		return &errPSA{msg: "the PSA cannot be reached: " + redactURL(err, target)}
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		e := &errPSA{status: res.StatusCode, msg: fmt.Sprintf("the PSA answered %d", res.StatusCode)}
		if res.StatusCode == http.StatusTooManyRequests {
			e.retryAfter = retryAfter(res.Header.Get("Retry-After"), time.Now())
		}
		return e
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return &errPSA{status: res.StatusCode, msg: "the PSA's answer is not the JSON expected"}
		}
	}
	return nil
}

// redactURL is a transport error's text without the URL it names (the site is shown elsewhere).
func redactURL(err error, target string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return strings.ReplaceAll(err.Error(), target, "<site>")
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date; 0 when absent or bad,
// at most an hour.
func retryAfter(v string, now time.Time) time.Duration {
	var d time.Duration
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, time.Hour))
}

// postNote posts a note on a ticket in the connection's PSA, through the vendor's ticket-note API,
// and returns the note's id in the PSA when it says.
func (s *Service) postNote(ctx context.Context, t psaTarget, n psaNote) (string, error) {
	switch t.provider {
	case ProviderConnectWise:
		// ConnectWise Manage: POST /service/tickets/{id}/notes, Basic company+publicKey:privateKey and clientId.
		body, _ := json.Marshal(map[string]any{"text": n.text, "detailDescriptionFlag": false, "internalAnalysisFlag": true,
			"resolutionFlag": false})
		var out struct {
			ID int64 `json:"id"`
		}
		err := s.psaCall(ctx, http.MethodPost, fmt.Sprintf("%s/v4_6_release/apis/3.0/service/tickets/%d/notes", t.site, n.ticket),
			connectWiseHeaders(t.creds), bytes.NewReader(body), &out)
		return idString(out.ID), err
	case ProviderAutotask:
		// Autotask REST: POST /Tickets/{id}/Notes with the UserName, Secret and ApiIntegrationCode headers.
		body, _ := json.Marshal(map[string]any{"title": n.title, "description": n.text, "noteType": 1, "publish": 1, "ticketID": n.ticket})
		var out struct {
			ItemID int64 `json:"itemId"`
		}
		err := s.psaCall(ctx, http.MethodPost, fmt.Sprintf("%s/ATServicesRest/V1.0/Tickets/%d/Notes", t.site, n.ticket),
			autotaskHeaders(t.creds), bytes.NewReader(body), &out)
		return idString(out.ItemID), err
	case ProviderHaloPSA:
		// HaloPSA: a client-credentials token, then POST /api/actions with an array of actions.
		token, err := s.haloToken(ctx, t)
		if err != nil {
			return "", err
		}
		body, _ := json.Marshal([]map[string]any{{"ticket_id": n.ticket, "note": n.text, "outcome": n.title, "hiddenfromuser": true}})
		var out struct {
			ID int64 `json:"id"`
		}
		err = s.psaCall(ctx, http.MethodPost, t.site+"/api/actions",
			map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}, bytes.NewReader(body), &out)
		return idString(out.ID), err
	}
	return "", &errPSA{msg: "unknown provider"}
}

// testConnection makes one authenticated read-only call to the PSA: ConnectWise's system info,
// Autotask's ticket entity information, HaloPSA's token.
func (s *Service) testConnection(ctx context.Context, t psaTarget) error {
	switch t.provider {
	case ProviderConnectWise:
		return s.psaCall(ctx, http.MethodGet, t.site+"/v4_6_release/apis/3.0/system/info", connectWiseHeaders(t.creds), nil, nil)
	case ProviderAutotask:
		return s.psaCall(ctx, http.MethodGet, t.site+"/ATServicesRest/V1.0/Tickets/entityInformation", autotaskHeaders(t.creds), nil, nil)
	case ProviderHaloPSA:
		_, err := s.haloToken(ctx, t)
		return err
	}
	return &errPSA{msg: "unknown provider"}
}

func connectWiseHeaders(c PSACredentials) map[string]string {
	basic := base64.StdEncoding.EncodeToString([]byte(c.Company + "+" + c.PublicKey + ":" + c.PrivateKey))
	return map[string]string{"Authorization": "Basic " + basic, "clientId": c.ClientID, "Content-Type": "application/json"}
}

func autotaskHeaders(c PSACredentials) map[string]string {
	return map[string]string{"UserName": c.Username, "Secret": c.Secret, "ApiIntegrationCode": c.IntegrationCode,
		"Content-Type": "application/json"}
}

// haloToken gets an access token with the client credentials grant.
func (s *Service) haloToken(ctx context.Context, t psaTarget) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {t.creds.ClientID},
		"client_secret": {t.creds.ClientSecret}, "scope": {"all"}}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	err := s.psaCall(ctx, http.MethodPost, t.site+"/auth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		strings.NewReader(form.Encode()), &out)
	if err != nil {
		return "", err
	}
	if out.AccessToken == "" {
		return "", &errPSA{msg: "the PSA gave no access token"}
	}
	return out.AccessToken, nil
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
