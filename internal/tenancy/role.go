package tenancy

import "fmt"

// Role is a member's role in a tenant. Roles are ordered: each includes the rights of the ones below.
type Role string

// The roles, lowest first.
const (
	RoleViewer   Role = "viewer"
	RoleOperator Role = "operator"
	RoleAdmin    Role = "admin"
	RoleOwner    Role = "owner"
)

var roleRank = map[Role]int{RoleViewer: 1, RoleOperator: 2, RoleAdmin: 3, RoleOwner: 4}

// Roles lists the valid roles, lowest first.
func Roles() []Role { return []Role{RoleViewer, RoleOperator, RoleAdmin, RoleOwner} }

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := roleRank[r]; !ok {
		return "", fmt.Errorf("tenancy: unknown role %q", s)
	}
	return r, nil
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleRank[r]; return ok }

// AtLeast reports whether r includes the rights of min. An unknown role includes nothing.
func (r Role) AtLeast(min Role) bool {
	rank, ok := roleRank[r]
	return ok && rank >= roleRank[min]
}
