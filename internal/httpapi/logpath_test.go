package httpapi

import "testing"

func TestLogPathDropsTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v1/sites":                 "/api/v1/sites",
		"/s/tnr_shr_Abc123":             "/s/tnr_shr_[redacted]",
		"/api/v1/share/tnr_shr_Abc123":  "/api/v1/share/tnr_shr_[redacted]",
		"/api/v1/csat/tnr_csat_x/extra": "/api/v1/csat/tnr_csat_[redacted]/extra",
		"/flows/tnr_nothing":            "/flows/tnr_nothing",
		"/a/tnr_shr_one/b/tnr_inv_two":  "/a/tnr_shr_[redacted]/b/tnr_inv_[redacted]",
	} {
		if got := logPath(in); got != want {
			t.Errorf("logPath(%q) = %q, want %q", in, got, want)
		}
	}
}
