package probe

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// The fake's resources in the shapes of the flows product: labels (a global catalogue next to the
// tenant's own), docs with a visibility and an author, published before use; notes, owner-only,
// made on a published doc; share links of a note, opened by token; and the tenant's link policy.
// Bugs: label-leak (the list shows every tenant's labels), doc-edit-404 and doc-edit-200 (a member
// who sees a doc and may not change it gets 404, or changes it), note-any-user (a note is read
// without its owner), link-foreign (an account link opens for a member of another tenant),
// link-leaks-scratch (the shared view carries the note's scratch text).

// globalLabels are the rows of the shared catalogue: the same ids in every tenant.
var globalLabels = []map[string]any{
	{"id": "01900000-0000-7000-8000-000000000001", "name": "network", "global": true},
	{"id": "01900000-0000-7000-8000-000000000002", "name": "printing", "global": true},
}

func (f *fakeAPI) flowsRoutes(api huma.API, log *slog.Logger, op func(id, method, path string) huma.Operation) {
	member := func(r tenancy.Role) httpapi.Access { return httpapi.Access{Class: httpapi.Tenant, Role: r} }
	own := func(r tenancy.Role) httpapi.Access { return httpapi.Access{Class: httpapi.OwnerOnly, Role: r} }
	see, edit := member(tenancy.RoleViewer).Needs(httpapi.Visible), member(tenancy.RoleOperator).Needs(httpapi.Editable)
	httpapi.Register(api, log, op("list-labels", "GET", "/api/v1/labels"), member(tenancy.RoleViewer), f.listLabels)
	httpapi.Register(api, log, op("create-label", "POST", "/api/v1/labels"), member(tenancy.RoleAdmin), f.createLabel)
	httpapi.Register(api, log, op("create-doc", "POST", "/api/v1/docs"), member(tenancy.RoleOperator), f.createDoc)
	httpapi.Register(api, log, op("get-doc", "GET", "/api/v1/docs/{id}"), see, f.getDoc)
	httpapi.Register(api, log, op("update-doc", "PATCH", "/api/v1/docs/{id}"), edit, f.updateDoc)
	httpapi.Register(api, log, op("publish-doc", "POST", "/api/v1/docs/{id}/publish"), edit, f.publishDoc)
	httpapi.Register(api, log, op("create-note", "POST", "/api/v1/notes"), own(tenancy.RoleOperator), f.createNote)
	httpapi.Register(api, log, op("get-note", "GET", "/api/v1/notes/{id}"), own(tenancy.RoleOperator), f.getNote)
	httpapi.Register(api, log, op("set-note-scratch", "PUT", "/api/v1/notes/{id}/scratch"), own(tenancy.RoleOperator), f.setScratch)
	httpapi.Register(api, log, op("create-link", "POST", "/api/v1/notes/{id}/links"), own(tenancy.RoleOperator), f.createLink)
	httpapi.Register(api, log, op("revoke-link", "DELETE", "/api/v1/links/{id}"), own(tenancy.RoleViewer), f.revokeLink)
	httpapi.Register(api, log, op("open-link", "GET", "/api/v1/link/{token}"),
		httpapi.Access{Class: httpapi.Public, Viewer: true, Credential: httpapi.ShareToken, Withholds: "scratch,owner_id"}, f.openLink)
	httpapi.Register(api, log, op("update-link-policy", "PATCH", "/api/v1/link-policy"), member(tenancy.RoleAdmin), f.updatePolicy)
}

func (f *fakeAPI) listLabels(ctx context.Context, _ *struct{}) (*listOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.list(ctx, "label", func(o *fakeObject) bool { return o.tenant == scope(ctx).Tenant || f.bugs["label-leak"] })
	out.Body.Items = append(globalLabels, out.Body.Items...)
	return out, nil
}

type nameIn struct {
	Body struct {
		Name string `json:"name" minLength:"1"`
	}
}

type labelOut struct {
	Body struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Global bool   `json:"global"`
	}
}

func (f *fakeAPI) createLabel(ctx context.Context, in *nameIn) (*labelOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.add(scope(ctx).Tenant, "label", uuid.Nil, map[string]any{"name": in.Body.Name, "global": false})
	out := &labelOut{}
	out.Body.ID, out.Body.Name = o.id.String(), in.Body.Name
	return out, nil
}

type docIn struct {
	Body struct {
		Title      string `json:"title" minLength:"1"`
		Visibility string `json:"visibility" enum:"private,account"`
	}
}

// docOut is a doc, or a note (with DocID, Scratch and OwnerID).
type docOut struct {
	Body struct {
		ID         string `json:"id"`
		Title      string `json:"title,omitempty"`
		Visibility string `json:"visibility,omitempty"`
		DocID      string `json:"doc_id,omitempty"`
		Scratch    string `json:"scratch,omitempty"`
		OwnerID    string `json:"owner_id,omitempty"`
	}
}

func docOf(o *fakeObject) *docOut {
	str := func(k string) string { s, _ := o.fields[k].(string); return s }
	out := &docOut{}
	b := &out.Body
	b.ID, b.Title, b.Visibility, b.DocID, b.Scratch, b.OwnerID = o.id.String(), str("title"), str("visibility"), str("doc_id"), str("scratch"), str("owner_id")
	return out
}

func (f *fakeAPI) createDoc(ctx context.Context, in *docIn) (*docOut, error) {
	sc := scope(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.add(sc.Tenant, "doc", uuid.Nil, map[string]any{"title": in.Body.Title, "visibility": in.Body.Visibility, "published": false})
	o.owner = sc.Principal.UserID
	return docOf(o), nil
}

// visibleDoc returns a doc of the caller's tenant they can see: theirs, or account-wide.
func (f *fakeAPI) visibleDoc(ctx context.Context, id uuid.UUID) (*fakeObject, error) {
	o, err := f.get(ctx, "doc", id, false)
	if err != nil || o.owner != scope(ctx).Principal.UserID && o.fields["visibility"] != "account" {
		return nil, errs.ErrNotFound
	}
	return o, nil
}

// editableDoc returns a visible doc the caller may change: theirs, or any for admins and owners.
func (f *fakeAPI) editableDoc(ctx context.Context, id uuid.UUID) (*fakeObject, error) {
	o, err := f.visibleDoc(ctx, id)
	sc := scope(ctx)
	switch {
	case err != nil:
		return nil, err
	case o.owner == sc.Principal.UserID, sc.Role.AtLeast(tenancy.RoleAdmin), f.bugs["doc-edit-200"]:
		return o, nil
	case f.bugs["doc-edit-404"]:
		return nil, errs.ErrNotFound
	}
	return nil, errs.E(errs.Forbidden, "you can see this doc but may not change it")
}

func (f *fakeAPI) getDoc(ctx context.Context, in *idIn) (*docOut, error) {
	return f.answer(ctx, in.ID, f.visibleDoc, nil)
}

type updateDocIn struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Title string `json:"title,omitempty"`
	}
}

func (f *fakeAPI) updateDoc(ctx context.Context, in *updateDocIn) (*docOut, error) {
	return f.answer(ctx, in.ID, f.editableDoc, func(o *fakeObject) {
		if in.Body.Title != "" {
			o.fields["title"] = in.Body.Title
		}
	})
}

// answer finds an object with find and changes it, under the fake's lock, and answers with it.
func (f *fakeAPI) answer(ctx context.Context, id uuid.UUID, find func(context.Context, uuid.UUID) (*fakeObject, error), change func(*fakeObject)) (*docOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := find(ctx, id)
	if err != nil {
		return nil, err
	}
	if change != nil {
		change(o)
	}
	return docOf(o), nil
}

func (f *fakeAPI) publishDoc(ctx context.Context, in *idIn) (*anyOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.editableDoc(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	o.fields["published"] = true
	return &anyOut{Body: map[string]any{"doc_id": o.id.String(), "version": 1}}, nil
}

type noteIn struct {
	Body struct {
		DocID string `json:"doc_id" format:"uuid"`
	}
}

func (f *fakeAPI) createNote(ctx context.Context, in *noteIn) (*docOut, error) {
	sc := scope(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	doc, err := f.visibleDoc(ctx, uuid.MustParse(in.Body.DocID))
	switch {
	case err != nil:
		return nil, err
	case doc.fields["published"] != true:
		return nil, errs.Invalidf("body.doc_id", "the doc is not published")
	}
	o := f.add(sc.Tenant, "note", doc.id, map[string]any{"doc_id": in.Body.DocID, "scratch": "", "owner_id": sc.Principal.UserID.String()})
	o.owner = sc.Principal.UserID
	return docOf(o), nil
}

// note returns a note of the caller's: owner-only, so another member's note is a 404.
func (f *fakeAPI) note(ctx context.Context, id uuid.UUID) (*fakeObject, error) {
	o, err := f.get(ctx, "note", id, false)
	if err != nil || o.owner != scope(ctx).Principal.UserID && !f.bugs["note-any-user"] {
		return nil, errs.ErrNotFound
	}
	return o, nil
}

func (f *fakeAPI) getNote(ctx context.Context, in *idIn) (*docOut, error) {
	return f.answer(ctx, in.ID, f.note, nil)
}

type scratchIn struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Text string `json:"text"`
	}
}

func (f *fakeAPI) setScratch(ctx context.Context, in *scratchIn) (*docOut, error) {
	return f.answer(ctx, in.ID, f.note, func(o *fakeObject) { o.fields["scratch"] = in.Body.Text })
}

type linkIn struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Visibility string     `json:"visibility" enum:"public,account"`
		ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	}
}

type linkView struct {
	ID         string `json:"id"`
	Token      string `json:"token"`
	NoteID     string `json:"note_id"`
	Visibility string `json:"visibility"`
}

type linkOut struct{ Body linkView }

func (f *fakeAPI) createLink(ctx context.Context, in *linkIn) (*linkOut, error) {
	sc := scope(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.note(ctx, in.ID)
	switch {
	case err != nil:
		return nil, err
	case in.Body.Visibility == "public" && !f.tenants[sc.Tenant].allowPublic:
		return nil, errs.E(errs.Forbidden, "the tenant does not allow public links")
	}
	tok := "lnk_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	o := f.add(sc.Tenant, "link", n.id, map[string]any{"note_id": n.id.String(), "visibility": in.Body.Visibility})
	o.owner, o.expires = sc.Principal.UserID, in.Body.ExpiresAt
	f.links[tok] = o.id
	return &linkOut{Body: linkView{ID: o.id.String(), Token: tok, NoteID: n.id.String(), Visibility: in.Body.Visibility}}, nil
}

func (f *fakeAPI) revokeLink(ctx context.Context, in *idIn) (*struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.get(ctx, "link", in.ID, false)
	if err != nil || o.owner != scope(ctx).Principal.UserID {
		return nil, errs.ErrNotFound
	}
	o.fields["revoked"] = true
	return &struct{}{}, nil
}

type openIn struct {
	Token string `path:"token"`
}

func (f *fakeAPI) openLink(ctx context.Context, in *openIn) (*anyOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	link := f.objects[f.links[in.Token]]
	if link == nil || link.fields["revoked"] == true {
		return nil, errs.ErrNotFound
	}
	viewer, signedIn := httpapi.ViewerFrom(ctx)
	switch {
	case link.expires != nil && !time.Now().Before(*link.expires):
		return nil, errs.E(errs.Gone, "the link has expired")
	case link.fields["visibility"] == "account" && !signedIn:
		return nil, errs.ErrUnauthorized
	case link.fields["visibility"] == "account" && viewer.Tenant != link.tenant && !f.bugs["link-foreign"]:
		return nil, errs.E(errs.Forbidden, "you don't have access to this note")
	}
	note := f.objects[link.parent]
	out := map[string]any{"visibility": link.fields["visibility"], "doc_id": note.fields["doc_id"]}
	if f.bugs["link-leaks-scratch"] {
		out["scratch"] = note.fields["scratch"]
	}
	return &anyOut{Body: out}, nil
}

type policyIn struct {
	Body struct {
		AllowPublicLinks *bool `json:"allow_public_links,omitempty"`
	}
}

func (f *fakeAPI) updatePolicy(ctx context.Context, in *policyIn) (*anyOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tenants[scope(ctx).Tenant]
	if in.Body.AllowPublicLinks != nil {
		t.allowPublic = *in.Body.AllowPublicLinks
	}
	return &anyOut{Body: map[string]any{"allow_public_links": t.allowPublic}}, nil
}
