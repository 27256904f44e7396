package apitest

import (
	"encoding/json"
	"net/http"
)

// Account is a signed-in user of a tenant: registered (the tenant's owner) or a member who
// accepted an invitation.
type Account struct {
	Email, Password  string
	UserID, TenantID string
	Access, Refresh  string // the session's access and refresh tokens
}

// Register signs up name@example.com with a new tenant (slug t-name) and returns the owner's
// account with the session registration returned.
func (s *Server) Register(name string) Account {
	s.T.Helper()
	a := Account{Email: name + "@example.com", Password: "correct horse " + name}
	r := s.Do("POST", "/api/v1/auth/register", "", map[string]any{
		"user":   map[string]any{"email": a.Email, "name": name, "password": a.Password},
		"tenant": map[string]any{"name": "Tenant " + name, "slug": "t-" + name},
	})
	if r.Status != http.StatusCreated {
		s.T.Fatalf("register %s: %d %s", name, r.Status, r.Body)
	}
	var out struct {
		User    struct{ ID string }
		Tenant  struct{ ID string }
		Session struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		s.T.Fatal(err)
	}
	a.UserID, a.TenantID, a.Access, a.Refresh = out.User.ID, out.Tenant.ID, out.Session.AccessToken, out.Session.RefreshToken
	return a
}

// CreateKey makes an API key as the account (POST /api/v1/api-keys with body) and returns the
// status and, for a 201, the response body (the secret is in "key").
func (s *Server) CreateKey(a Account, body map[string]any) (int, map[string]any) {
	s.T.Helper()
	r := s.Do("POST", "/api/v1/api-keys", a.Access, body)
	if r.Status != http.StatusCreated {
		return r.Status, nil
	}
	return r.Status, r.JSON(s.T)
}
