package apitest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MailedTo returns the messages to addr that the development sender wrote to the service's mail
// directory (Config.DataDir/mail), oldest first, as files (headers and body). The service must run
// its background workers (Options.Background).
func (s *Server) MailedTo(addr string) []string {
	s.T.Helper()
	dir := filepath.Join(s.Config.DataDir, "mail")
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		s.T.Fatal(err)
	}
	type found struct {
		at  int64
		msg string
	}
	var all []found
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		info, ierr := e.Info()
		if err != nil || ierr != nil || !strings.Contains(string(raw), "To: "+addr+"\r\n") {
			continue
		}
		all = append(all, found{info.ModTime().UnixNano(), string(raw)})
	}
	slices.SortStableFunc(all, func(a, b found) int { return int(a.at - b.at) })
	out := make([]string, 0, len(all))
	for _, f := range all {
		out = append(out, f.msg)
	}
	return out
}

// MailedTokens returns the tokens of kind (tnr_<kind>_...) in the messages to addr (MailedTo),
// oldest first, as the recipient would read them.
func (s *Server) MailedTokens(addr, kind string) []string {
	s.T.Helper()
	re := regexp.MustCompile(`\btnr_` + regexp.QuoteMeta(kind) + `_[A-Za-z0-9]+`)
	var out []string
	for _, m := range s.MailedTo(addr) {
		if tok := re.FindString(m); tok != "" {
			out = append(out, tok)
		}
	}
	return out
}

// WaitMailedToken waits until at least n messages to addr with a token of kind were written and
// returns the token of the n-th.
func (s *Server) WaitMailedToken(addr, kind string, n int) string {
	s.T.Helper()
	var got []string
	WaitFor(s.T, "mail "+strconv.Itoa(n)+" with a tnr_"+kind+" token to "+addr, func() bool {
		got = s.MailedTokens(addr, kind)
		return len(got) >= n
	})
	return got[n-1]
}
