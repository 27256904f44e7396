package flows

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// uploadRoutes registers the files attached to sessions: owner-only like their session (operators
// and above, members only, never API keys; another member's session or upload is a 404), and the
// public download that a signed URL opens.
func (s *Service) uploadRoutes(api huma.API, log *slog.Logger) {
	httpapi.DescribeTag(api, "Session uploads", "Files attached to a session (screenshots, logs, PDFs): owner-only, "+
		"downloaded through short-lived signed URLs.")
	rt := httpapi.NewRoutes(api, log)
	uploads := rt.Tag("Session uploads")
	own := httpapi.Access{Class: httpapi.OwnerOnly, Role: tenancy.RoleOperator}
	const nf = http.StatusNotFound
	const one = "/api/v1/sessions/{id}/uploads/{upload_id}"

	create := huma.Operation{OperationID: "create-session-upload", Method: http.MethodPost, Path: "/api/v1/sessions/{id}/uploads",
		Summary: "Attach a file to one of your sessions (the raw bytes as the body)", DefaultStatus: http.StatusCreated,
		Errors:      []int{nf, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
		RequestBody: uploadRequestBody(s.UploadMaxBytes())}
	httpapi.Add(uploads.Location("/api/v1/sessions/{session_id}/uploads/{id}"), httpapi.LargeBody(create, s.UploadMaxBytes()), own,
		s.handleCreateUpload)
	httpapi.Get(uploads, "/api/v1/sessions/{id}/uploads", "list-session-uploads", own,
		s.handleListUploads, "The files attached to one of your sessions, newest first", nf)
	httpapi.Get(uploads, one, "get-session-upload", own,
		s.handleGetUpload, "Get a file's details", nf)
	httpapi.Delete(uploads, one, "delete-session-upload", own,
		s.handleDeleteUpload, "Remove a file (its bytes too)", 204, nf)
	httpapi.Get(uploads, one+"/url", "get-session-upload-url", own,
		s.handleUploadURL, "A download URL of a file, valid for five minutes", nf)
	download := huma.Operation{OperationID: "download-file", Method: http.MethodGet, Path: DownloadPath,
		Summary: "Download a file through a signed URL (404 when altered, expired or deleted)", DefaultStatus: 200, Errors: []int{nf}}
	httpapi.Add(uploads, downloadOperation(download), httpapi.Access{Class: httpapi.Public}, s.handleDownload)
}

// uploadRequestBody documents the raw body of an upload.
func uploadRequestBody(limit int64) *huma.RequestBody {
	return &huma.RequestBody{Required: true,
		Description: "The file's bytes, up to " + strconv.FormatInt(limit, 10) + " bytes (TENANTRY_UPLOAD_MAX_BYTES). Its type is " +
			"detected from the bytes: PNG, JPEG, GIF, WebP, PDF or UTF-8 text; the Content-Type header is not consulted.",
		Content: map[string]*huma.MediaType{"application/octet-stream": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}
}

// downloadOperation documents the download's binary answer instead of JSON.
func downloadOperation(o huma.Operation) huma.Operation {
	bin := &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}
	o.Responses = map[string]*huma.Response{"200": {
		Description: "The file, as an attachment, with the content type detected when it was uploaded",
		Content:     map[string]*huma.MediaType{"application/octet-stream": bin},
	}}
	return o
}

// UploadOutput is one upload.
type UploadOutput struct {
	Body Upload
}

// CreateUploadInput is an upload: the session, the file's name and, as the raw body, its bytes.
type CreateUploadInput struct {
	httpapi.IDInput
	Filename string `query:"filename" required:"true" minLength:"1" maxLength:"1024" doc:"The file's name, as shown and downloaded (a path keeps its last element)" example:"event-log.png"`
	body     io.Reader
}

// Resolve keeps the request body for the handler to stream (huma.Resolver): the input declares
// no Body, so Huma leaves it unread.
func (in *CreateUploadInput) Resolve(ctx huma.Context) []error {
	in.ID, _ = uuid.Parse(in.RawID)
	in.body = ctx.BodyReader()
	return nil
}

func (s *Service) handleCreateUpload(ctx context.Context, in *CreateUploadInput) (*UploadOutput, error) {
	out, err := s.CreateUpload(ctx, in.ID, in.Filename, in.body)
	switch {
	case errors.Is(err, ErrUploadTooLarge):
		return nil, httpapi.StatusProblem(http.StatusRequestEntityTooLarge,
			"the file is larger than "+strconv.FormatInt(s.UploadMaxBytes(), 10)+" bytes")
	case errors.Is(err, ErrUploadType):
		return nil, httpapi.StatusProblem(http.StatusUnsupportedMediaType, ErrUploadType.Message)
	}
	return &UploadOutput{Body: out}, err
}

// UploadIDInput addresses one upload of a session.
type UploadIDInput struct {
	httpapi.IDInput
	UploadID uuid.UUID `path:"upload_id" format:"uuid" doc:"The upload's id"`
}

func (s *Service) handleGetUpload(ctx context.Context, in *UploadIDInput) (*UploadOutput, error) {
	out, err := s.GetUpload(ctx, in.ID, in.UploadID)
	return &UploadOutput{Body: out}, err
}

func (s *Service) handleDeleteUpload(ctx context.Context, in *UploadIDInput) (*struct{}, error) {
	return nil, s.DeleteUpload(ctx, in.ID, in.UploadID)
}

// UploadURLOutput is a signed download URL.
type UploadURLOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         UploadURL
}

func (s *Service) handleUploadURL(ctx context.Context, in *UploadIDInput) (*UploadURLOutput, error) {
	out, err := s.UploadURL(ctx, in.ID, in.UploadID)
	return &UploadURLOutput{CacheControl: "private, no-store", Body: out}, err
}

// ListUploadsInput pages the uploads of a session.
type ListUploadsInput struct {
	httpapi.IDInput
	httpapi.PageInput
}

// UploadPage is a page of uploads.
type UploadPage struct {
	Body httpapi.Page[Upload]
}

func (s *Service) handleListUploads(ctx context.Context, in *ListUploadsInput) (*UploadPage, error) {
	key := func(x Upload) UploadKey { return UploadKey{CreatedAt: x.CreatedAt, ID: x.ID} }
	page, err := httpapi.List(in.PageInput, key, func(size int, after *UploadKey) ([]Upload, error) {
		return s.ListUploads(ctx, in.ID, size, after)
	})
	return &UploadPage{Body: page}, err
}

// DownloadInput is a signed download URL's token.
type DownloadInput struct {
	Token string `query:"token" required:"true" maxLength:"200" doc:"The signature from get-session-upload-url"`
}

// handleDownload opens the file before answering, so a bad token is still a problem response;
// the bytes are then copied as the body is written (a failure there ends the body early).
func (s *Service) handleDownload(ctx context.Context, in *DownloadInput) (*huma.StreamResponse, error) {
	f, err := s.OpenUpload(ctx, in.Token)
	if err != nil {
		if !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		return nil, errs.ErrNotFound
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		defer func() { _ = f.Body.Close() }()
		hc.SetHeader("Content-Type", f.ContentType)
		hc.SetHeader("Content-Length", strconv.FormatInt(f.Size, 10))
		hc.SetHeader("Content-Disposition", contentDisposition(f.Filename))
		hc.SetHeader("X-Content-Type-Options", "nosniff")
		hc.SetHeader("Content-Security-Policy", "default-src 'none'; sandbox")
		hc.SetHeader("Cache-Control", "private, no-store")
		hc.SetStatus(http.StatusOK)
		_, _ = io.Copy(hc.BodyWriter(), f.Body)
	}}, nil
}

// contentDisposition is an attachment header naming the file (a name that is not plain ASCII in
// RFC 2231's UTF-8 form, as mime.FormatMediaType writes it).
func contentDisposition(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return `attachment; filename="download"`
}
