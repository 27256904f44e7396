package apitest

// ForgetMutations drops the state-changing requests sent so far from the check that each wrote an
// audit row (checkAudited), for a test that purges a tenant's audit log on purpose (the verifiable
// deletion of a tenant: tenantry staff purge-tenant).
func (s *Server) ForgetMutations() {
	s.audited.mu.Lock()
	defer s.audited.mu.Unlock()
	s.audited.list = nil
}
