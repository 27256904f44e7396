package identity

import "github.com/tenantry/tenantry/internal/httpapi"

// VerifyTokenOnly authenticates as Authenticate did before sessions were checked: from the access
// token's claims alone, with no session state. For the benchmark's baseline.
func (s *Service) VerifyTokenOnly(c httpapi.Credentials) (httpapi.Caller, error) {
	caller, _, err := s.verifyToken(c)
	return caller, err
}

// SessionsListening reports whether the session cache listens to the database's changes.
func (s *Service) SessionsListening() bool {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	return s.sessions.listening
}
