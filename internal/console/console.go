package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var embedded embed.FS

// Policy is the Content-Security-Policy of every console response: scripts, styles, images and
// connections from this origin only, no inline script or style, no plugins, no framing, and forms
// post only here.
const Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// reserved are the path prefixes that never serve the console's page: the API, its docs, the
// OpenAPI document, health and metrics (which has its own listener). A request there that no operation answered is a 404.
var reserved = []string{"/api/", "/docs", "/openapi", "/health/", "/metrics", "/assets/"}

// asset is one embedded file, ready to serve: its bytes, their gzip encoding (when smaller), its
// type and an ETag of its content.
type asset struct {
	body, gz []byte
	ctype    string
	etag     string
}

// Handler serves the console: files under /assets/ and, for every other GET that is not a reserved
// path, the single page (index.html), whose script routes by the URL.
type Handler struct {
	files map[string]*asset // by URL path, "/assets/js/app.js"
	page  *asset
}

// New loads and compresses the embedded assets once.
func New() (*Handler, error) {
	h := &Handler{files: map[string]*asset{}}
	err := fs.WalkDir(embedded, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := embedded.ReadFile(name)
		if err != nil {
			return err
		}
		a, err := load(name, body)
		if err != nil {
			return err
		}
		if name != "assets/index.html" { // served as the page, at app paths only
			h.files["/"+name] = a
		} else {
			h.page = a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if h.page == nil {
		return nil, fmt.Errorf("console: assets/index.html is missing")
	}
	return h, nil
}

func load(name string, body []byte) (*asset, error) {
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	sum := sha256.Sum256(body)
	a := &asset{body: body, ctype: ctype, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() < len(body) {
		a.gz = buf.Bytes()
	}
	return a, nil
}

// ServeHTTP answers GET and HEAD: an asset by its path, the page for any other path outside the
// reserved ones, and 404 (made problem+json by the server's middleware) for the rest.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	a := h.files[p]
	if a == nil {
		for _, prefix := range reserved {
			if strings.HasPrefix(p, prefix) {
				http.NotFound(w, r)
				return
			}
		}
		a = h.page
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", Policy)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer") // share and invitation tokens ride in page URLs
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	hd.Set("Cache-Control", "no-cache") // revalidated by ETag: a new binary's assets are never stale
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", a.etag)
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && match == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
