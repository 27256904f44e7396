package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The CORS answers: what a browser page of an allowed origin may send and read.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-API-Key, X-Request-Id"
	corsExposed = "ETag, Location, Retry-After, Idempotent-Replayed, X-Request-Id, " +
		"RateLimit, RateLimit-Policy, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
	corsMaxAge = "600"
)

// CheckOrigins reports an error for an entry of a CORS allow-list that is not an origin:
// scheme://host[:port], without a path.
func CheckOrigins(origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("%q is not an origin (scheme://host[:port])", o)
		}
	}
	return nil
}

// cors answers the CORS protocol for the origins allowed (Options.CORSOrigins): a request from
// an allowed origin gets Access-Control-Allow-Origin and the exposed headers; its preflight
// (OPTIONS with Access-Control-Request-Method) answers 204 with the methods and headers the API
// takes. Other origins, and every origin when the list is empty, get no CORS header: their
// preflight reaches the mux and answers like any OPTIONS request (405, problem+json). Credentials
// travel in the Authorization header, never in cookies, so no Allow-Credentials.
func cors(allowed []string, next http.Handler) http.Handler {
	if len(allowed) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !slices.Contains(allowed, strings.TrimRight(origin, "/")) {
			if origin != "" {
				w.Header().Add("Vary", "Origin")
			}
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposed)
		next.ServeHTTP(w, r)
	})
}
