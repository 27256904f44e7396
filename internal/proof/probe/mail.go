package probe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// mailedToken matches the tokens the probe reads from mail: invitations and address verifications.
var mailedToken = regexp.MustCompile(`\btnr_(?:inv|ver)_[A-Za-z0-9_-]+`)

// MailDirTokens reads invitation and verification tokens from the files of a mail directory (the development
// sender of `tenantry dev` writes one RFC 5322 file per message), waiting up to wait for the
// message to arrive: the server's mail dispatcher delivers in the background.
func MailDirTokens(dir string, wait time.Duration) func(ctx context.Context, email string) (string, error) {
	return func(ctx context.Context, email string) (string, error) {
		deadline := time.Now().Add(wait)
		for {
			if tok := scanMailDir(dir, email); tok != "" {
				return tok, nil
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("no mail with a token to %s in %s after %s", email, dir, wait)
			}
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

func scanMailDir(dir, email string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), "To: "+email+"\r\n") {
			continue
		}
		if tok := mailedToken.FindString(string(b)); tok != "" {
			return tok
		}
	}
	return ""
}

// TokenIn returns the invitation or verification token in a message body ("" when there is none).
func TokenIn(body string) string { return mailedToken.FindString(body) }
