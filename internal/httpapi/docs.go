package httpapi

import (
	"embed"
	"net/http"
	"strings"
)

// The API reference page: Swagger UI (Apache-2.0, docs/LICENSE) served from the binary, so it works
// with no internet access.
//
//go:embed docs/swagger-ui-bundle.js docs/swagger-ui.css docs/LICENSE
var docsAssets embed.FS

const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tenantry API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", deepLinking: true});</script>
</body></html>`

func docsHandler() http.Handler {
	files := http.FileServerFS(docsAssets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/docs" || r.URL.Path == "/docs/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(docsPage))
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/docs/swagger-ui") && r.URL.Path != "/docs/LICENSE" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
