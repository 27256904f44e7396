package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tenantry/tenantry/internal/proof/probe"
	"github.com/tenantry/tenantry/pkg/client"
)

func cmdSmoke(ctx context.Context, env *environment, args []string) error {
	fs := flagSet(env, "smoke --url URL [--mail-dir DIR]", "Runs a short end-to-end check against any running server: health, two new tenants,\n"+
		"B cannot see A's objects, both tenants can use the same space code, API keys work within\n"+
		"their scopes, flows: B cannot see A's flow, sessions are owner-only, share links open\n"+
		"anonymously only when public and not once revoked. One PASS/FAIL/SKIP line per check;\n"+
		"non-zero exit on any FAIL.", []string{"TENANTRY_DATA_DIR", "NO_COLOR"})
	url := fs.String("url", "", "base URL of the server, e.g. http://127.0.0.1:8080 (required)")
	mailDir := fs.String("mail-dir", "", "where the server's development mail sender writes (the verification links of the\n"+
		"new tenants' owners, the invitation of A's second member); default: $TENANTRY_DATA_DIR/mail\n"+
		"when it exists; without it the tenants cannot be registered")
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	if *url == "" {
		return errUsage{"smoke: --url is required"}
	}
	s := &smoke{base: strings.TrimRight(*url, "/"), http: &http.Client{Timeout: 30 * time.Second}, out: env.stdout,
		color: colorful(env.stdout, env.getenv), tag: randomTag()}
	api, err := client.New(s.base, s.http)
	if err != nil {
		return errUsage{"smoke: --url: " + err.Error()}
	}
	s.api = api
	if *mailDir == "" {
		*mailDir = devMailDir(env.getenv)
	}
	if *mailDir != "" {
		s.invitationToken = probe.MailDirTokens(*mailDir, 20*time.Second)
	}
	s.run(ctx)
	fmt.Fprintf(env.stdout, "%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
	if s.failed > 0 {
		return errSilent
	}
	return nil
}

// colorful reports whether the output is a terminal and NO_COLOR is unset (no-color.org).
func colorful(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func randomTag() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// smoke is one run: the server, the results so far and what the steps made.
type smoke struct {
	base                    string
	http                    *http.Client
	api                     *client.ClientWithResponses // the client generated from the OpenAPI document
	out                     io.Writer
	color                   bool
	tag                     string
	passed, failed, skipped int
	ops                     map[string]bool // "METHOD /path" of the server's document
	// invitationToken reads the invitation or verification token mailed to an address; nil
	// without a mail directory.
	invitationToken func(ctx context.Context, email string) (string, error)
}

// smokeTenant is a tenant the run registered.
type smokeTenant struct {
	name, token string
	id          string
	site, space uuid.UUID
}

func (s *smoke) line(status, what, detail string) {
	colors := map[string]string{"PASS": "\x1b[32m", "FAIL": "\x1b[31m", "SKIP": "\x1b[33m"}
	label := status
	if s.color {
		label = colors[status] + status + "\x1b[0m"
	}
	switch status {
	case "PASS":
		s.passed++
	case "FAIL":
		s.failed++
	default:
		s.skipped++
	}
	if detail != "" {
		what += ": " + detail
	}
	fmt.Fprintf(s.out, "%s  %s\n", label, what)
}

func (s *smoke) check(ok bool, what, detail string) bool {
	if ok {
		s.line("PASS", what, "")
	} else {
		s.line("FAIL", what, detail)
	}
	return ok
}

// smokeResponse is one answer.
type smokeResponse struct {
	status int
	body   []byte
}

func (r smokeResponse) String() string {
	b := string(r.body)
	if len(b) > 200 {
		b = b[:200] + "..."
	}
	return fmt.Sprintf("%d %s", r.status, b)
}

// answer is the status and body of what a call of the generated client returned (a
// *client.XxxResponse, whose raw Body and HTTPResponse every operation's answer has).
func answer(res any, err error) smokeResponse {
	if err != nil {
		return smokeResponse{status: -1, body: []byte(err.Error())}
	}
	v := reflect.ValueOf(res)
	if v.IsNil() {
		return smokeResponse{status: -1, body: []byte("no response")}
	}
	hr, _ := v.Elem().FieldByName("HTTPResponse").Interface().(*http.Response)
	if hr == nil {
		return smokeResponse{status: -1, body: []byte("no response")}
	}
	return smokeResponse{status: hr.StatusCode, body: v.Elem().FieldByName("Body").Bytes()}
}

// as returns the request editors that send a credential: a bearer token, or an API key for
// "key:..."; none for "".
func as(cred string) []client.RequestEditorFn {
	if key, ok := strings.CutPrefix(cred, "key:"); ok {
		return []client.RequestEditorFn{client.APIKey(key)}
	} else if cred != "" {
		return []client.RequestEditorFn{client.Bearer(cred)}
	}
	return nil
}

// do sends a request outside the generated client (the OpenAPI document itself), with a bearer
// token ("key:..." sends an API key instead).
func (s *smoke) do(ctx context.Context, method, path, cred string, body any) smokeResponse {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return smokeResponse{status: -1, body: []byte(err.Error())}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key, ok := strings.CutPrefix(cred, "key:"); ok {
		req.Header.Set("X-API-Key", key)
	} else if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	res, err := s.http.Do(req)
	if err != nil {
		return smokeResponse{status: -1, body: []byte(err.Error())}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return smokeResponse{status: res.StatusCode, body: raw}
}

func (s *smoke) run(ctx context.Context) {
	r := answer(s.api.HealthLiveWithResponse(ctx))
	s.check(r.status == 200, "health /health/live answers 200", r.String())
	r = answer(s.api.HealthReadyWithResponse(ctx))
	s.check(r.status == 200, "health /health/ready answers 200", r.String())
	s.ops = s.document(ctx)
	a, b := s.register(ctx, "a"), s.register(ctx, "b")
	if a == nil || b == nil {
		return
	}
	s.members(ctx, a, b)
	s.parking(ctx, a, b)
	s.apiKeys(ctx, a, b)
	s.flows(ctx, a, b)
}

// document reads the operations of the server's OpenAPI document.
func (s *smoke) document(ctx context.Context) map[string]bool {
	r := s.do(ctx, "GET", "/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	ok := r.status == 200 && json.Unmarshal(r.body, &doc) == nil && len(doc.Paths) > 0
	s.check(ok, "the OpenAPI document is served", r.String())
	out := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			out[strings.ToUpper(method)+" "+path] = true
		}
	}
	return out
}

func (s *smoke) register(ctx context.Context, name string) *smokeTenant {
	slug := "smoke-" + name + "-" + s.tag
	email := slug + "@example.com"
	password := "smoke test password " + s.tag
	res, err := s.api.RegisterWithResponse(ctx, client.RegisterJSONRequestBody{
		User:   client.UserStruct{Email: openapi_types.Email(email), Name: "Smoke " + name, Password: &password},
		Tenant: client.TenantStruct{Name: "Smoke tenant " + name, Slug: slug},
	})
	r := answer(res, err)
	t := &smokeTenant{name: strings.ToUpper(name)}
	if s.invitationToken == nil {
		s.check(false, "register tenant "+t.name, "no mail directory: the verification link cannot be read (--mail-dir)")
		return nil
	}
	if r.status == http.StatusAccepted {
		token, err := s.invitationToken(ctx, email)
		if err != nil {
			s.check(false, "register tenant "+t.name, err.Error())
			return nil
		}
		res, err := s.api.VerifyEmailWithResponse(ctx, nil, client.VerifyEmailJSONRequestBody{Token: &token})
		if r = answer(res, err); res != nil && res.JSON200 != nil && res.JSON200.TenantId != nil {
			t.id, t.token = *res.JSON200.TenantId, res.JSON200.AccessToken
		}
	}
	if !s.check(r.status == 200 && t.id != "" && t.token != "", "register tenant "+t.name, r.String()) {
		return nil
	}
	return t
}

// members: B cannot read A's owner membership, and B's member list shows only B's.
func (s *smoke) members(ctx context.Context, a, b *smokeTenant) {
	if !s.ops["GET /api/v1/members/{id}"] {
		s.line("SKIP", "B cannot see A's members", "the server has no member operations")
		return
	}
	list, err := s.api.ListMembersWithResponse(ctx, nil, as(a.token)...)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) == 0 {
		s.check(false, "A lists its members", answer(list, err).String())
		return
	}
	member := list.JSON200.Items[0].Id
	r := answer(s.api.GetMemberWithResponse(ctx, member, nil, as(b.token)...))
	s.check(r.status == 404, "B gets 404 for A's member", r.String())
	r = answer(s.api.ListMembersWithResponse(ctx, nil, as(b.token)...))
	s.check(r.status == 200 && !bytes.Contains(r.body, []byte(member.String())), "B's member list does not show A's member", r.String())
}

// parking: each tenant makes a site and a space with the same code; B cannot see A's.
func (s *smoke) parking(ctx context.Context, a, b *smokeTenant) {
	if !s.ops["POST /api/v1/sites"] || !s.ops["POST /api/v1/spaces"] || !s.ops["GET /api/v1/spaces/{id}"] {
		s.line("SKIP", "both tenants can use the same space code", "the server has no parking operations")
		s.line("SKIP", "B cannot see A's spaces", "the server has no parking operations")
		return
	}
	code := "SMOKE-" + strings.ToUpper(s.tag[:4])
	zone, spaceName := "Europe/Lisbon", "Smoke space"
	for _, t := range []*smokeTenant{a, b} {
		site, err := s.api.CreateSiteWithResponse(ctx, nil, client.CreateSiteJSONRequestBody{Name: "Smoke site " + s.tag, Timezone: &zone}, as(t.token)...)
		if !s.check(err == nil && site.JSON201 != nil, t.name+" creates a site", answer(site, err).String()) {
			return
		}
		t.site = site.JSON201.Id
		space, err := s.api.CreateSpaceWithResponse(ctx, nil, client.CreateSpaceJSONRequestBody{SiteId: t.site, Code: code, Name: &spaceName}, as(t.token)...)
		if !s.check(err == nil && space.JSON201 != nil, t.name+" creates space "+code, answer(space, err).String()) {
			return
		}
		t.space = space.JSON201.Id
	}
	s.line("PASS", "both tenants can use the same space code "+code, "")
	r := answer(s.api.GetSpaceWithResponse(ctx, a.space, nil, as(b.token)...))
	s.check(r.status == 404, "B gets 404 for A's space", r.String())
	r = answer(s.api.GetSiteWithResponse(ctx, a.site, nil, as(b.token)...))
	s.check(r.status == 404, "B gets 404 for A's site", r.String())
	spaces, err := s.api.ListSpacesWithResponse(ctx, nil, as(b.token)...)
	listed := map[uuid.UUID]bool{}
	if err == nil && spaces.JSON200 != nil {
		for _, sp := range spaces.JSON200.Items {
			listed[sp.Id] = true
		}
	}
	s.check(listed[b.space] && !listed[a.space], "B's space list shows B's space and not A's", answer(spaces, err).String())
	r = answer(s.api.CreateSpaceWithResponse(ctx, nil, client.CreateSpaceJSONRequestBody{SiteId: a.site, Code: code + "-X"}, as(b.token)...))
	s.check(r.status == 404 || r.status == 422, "B cannot create a space on A's site", r.String())
}

// apiKeys: a read-only key reads, is refused a write, and does not reach the other tenant.
func (s *smoke) apiKeys(ctx context.Context, a, b *smokeTenant) {
	if !s.ops["POST /api/v1/api-keys"] {
		s.line("SKIP", "API keys work within their scopes", "the server has no API-key operations")
		return
	}
	read, write, probePath := client.TenantRead, "POST /api/v1/api-keys", "/api/v1/tenant"
	hasSpaces := b.space != uuid.Nil
	if hasSpaces {
		read, probePath = client.SpacesRead, "/api/v1/spaces"
	}
	probe := func(cred string) smokeResponse {
		if hasSpaces {
			return answer(s.api.ListSpacesWithResponse(ctx, nil, as(cred)...))
		}
		return answer(s.api.GetTenantWithResponse(ctx, as(cred)...))
	}
	scopes := []client.CreateInputBodyScopes{read}
	created, err := s.api.CreateApiKeyWithResponse(ctx, nil, client.CreateApiKeyJSONRequestBody{Name: "smoke " + s.tag, Scopes: &scopes}, as(b.token)...)
	if !s.check(err == nil && created.JSON201 != nil && created.JSON201.Key != "", "B creates an API key with scope "+string(read),
		answer(created, err).String()) {
		return
	}
	key := "key:" + created.JSON201.Key
	r := probe(key)
	s.check(r.status == 200, "the key reads "+probePath, r.String())
	r = answer(s.api.CreateApiKeyWithResponse(ctx, nil, client.CreateApiKeyJSONRequestBody{Name: "escalate " + s.tag, Scopes: &scopes}, as(key)...))
	s.check(r.status == 403, "the key is refused "+write+" (403)", r.String())
	if hasSpaces {
		r = answer(s.api.CreateSiteWithResponse(ctx, nil, client.CreateSiteJSONRequestBody{Name: "not allowed " + s.tag}, as(key)...))
		s.check(r.status == 403, "the key is refused POST /api/v1/sites without sites:write (403)", r.String())
		r = answer(s.api.GetSpaceWithResponse(ctx, a.space, nil, as(key)...))
		s.check(r.status == 404, "B's key gets 404 for A's space", r.String())
	}
	r = probe("key:tnr_key_not-a-real-key")
	s.check(r.status == 401, "a malformed key gets 401", r.String())
}
