package flows

import "strings"

// SharePagePath is where the console shows a share link to a person: <public URL>/s/<token>. The
// page reads the shared session from GET /api/v1/share/{token}.
const SharePagePath = "/s/"

// WithPublicURL sets the base URL people reach the service at (TENANTRY_PUBLIC_URL), which the
// url of a new share link starts with; default http://127.0.0.1:8080.
func (s *Service) WithPublicURL(u string) *Service {
	s.publicURL = strings.TrimRight(u, "/")
	return s
}

// shareURL is the link a person opens for the share token.
func (s *Service) shareURL(token string) string {
	base := s.publicURL
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	return base + SharePagePath + token
}
