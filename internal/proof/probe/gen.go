package probe

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
)

// gen generates request values from schemas: required fields only, ids from the world, canaries
// in free text, unique values everywhere else (per-tenant unique codes never collide).
type gen struct {
	doc    *Document
	rnd    *mrand.Rand
	canary string // prefix for free text: CANARY-A-<run> in A's data, probe-b-<run> in B's
	seq    *int   // shared counter: time windows and names never repeat within a run
	// ref returns the value for a reference field of a kind ("" when the world has none).
	ref func(kind string) string
	// slots collects the reference fields met while generating a body.
	slots []Slot
	// all generates optional fields too (a sign-up step whose server needs more than the schema says).
	all bool
}

func (g *gen) next() int { *g.seq++; return *g.seq }

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomUUID returns a random version-4 UUID.
func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// lookalike returns a random value of the same form as s, for a natural key or a credential that
// no object has: digits only become a random seven-digit number, any other string keeps its
// prefix up to the last '_' and gets random letters and digits of the same case for the rest.
func lookalike(s string) string {
	r := rnd()
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return fmt.Sprint(1_000_000 + r.IntN(9_000_000))
	}
	keep := strings.LastIndexByte(s, '_') + 1
	b := []byte(s)
	for i := keep; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			b[i] = byte('0' + r.IntN(10))
		case c >= 'a' && c <= 'z':
			b[i] = byte('a' + r.IntN(26))
		case c >= 'A' && c <= 'Z':
			b[i] = byte('A' + r.IntN(26))
		}
	}
	return string(b)
}

// value generates a value for s; name is its field name, path its location in the body.
func (g *gen) value(name string, s *Schema, path []string) (any, bool) {
	s = g.doc.resolve(s)
	if s == nil {
		return nil, false
	}
	if s.ReadOnly {
		return nil, false
	}
	if len(s.OneOf) > 0 {
		return g.value(name, s.OneOf[0], path)
	}
	if len(s.AnyOf) > 0 {
		return g.value(name, s.AnyOf[0], path)
	}
	if len(s.Enum) > 0 {
		return pickEnum(s.Enum), true
	}
	switch {
	case s.is("object"):
		return g.object(s, path), true
	case s.is("array"):
		return g.array(name, s, path), true
	case s.is("string"):
		return g.str(name, s, path), true
	case s.is("integer"), s.is("number"):
		return number(s), true
	case s.is("boolean"):
		if b, ok := s.Default.(bool); ok {
			return b, true
		}
		return false, true
	}
	return nil, false
}

func (g *gen) object(s *Schema, path []string) map[string]any {
	out := map[string]any{}
	names := slices.Clone(s.Required)
	for _, name := range sortedKeys(anyMap(s.Properties)) {
		// Optional references are sent too: an id of another tenant in any field must be refused.
		kind, _, isRef := refKind(name)
		if !slices.Contains(names, name) && (g.all || isRef && g.ref(kind) != "") {
			names = append(names, name)
		}
	}
	for _, name := range names {
		if v, ok := g.value(name, s.Properties[name], append(path[:len(path):len(path)], name)); ok {
			out[name] = v
		}
	}
	closeWindows(func(n string) (string, bool) { v, ok := out[n].(string); return v, ok },
		func(n, v string) { out[n] = v }, names)
	return out
}

func (g *gen) array(name string, s *Schema, path []string) []any {
	n := 0
	if s.MinItems != nil {
		n = *s.MinItems
	}
	if kind, many, ok := refKind(name); ok && many {
		if id := g.ref(kind); id != "" {
			g.slots = append(g.slots, Slot{In: "body", Name: strings.Join(path, "."), Path: path, Kind: kind, Field: "id", Many: true})
			return []any{id}
		}
	}
	out := make([]any, 0, n)
	for range n {
		if v, ok := g.value(name, s.Items, path); ok {
			out = append(out, v)
		}
	}
	return out
}

// leastPrivileged are enum values that grant the least, in order of preference: the lowest role,
// then the visibilities from the most restrictive (visibilities).
var leastPrivileged = append([]string{"viewer"}, visibilities...)

// pickEnum prefers the least privileged value of a role-like or visibility-like enum, else the
// first: an object of A is private, a share link of A account-only.
func pickEnum(values []any) any {
	for _, want := range leastPrivileged {
		for _, v := range values {
			if v == want {
				return v
			}
		}
	}
	return values[0]
}

func number(s *Schema) any {
	v := 1.0
	if s.Default != nil {
		if f, ok := s.Default.(float64); ok {
			v = f
		}
	}
	if s.Minimum != nil && v < *s.Minimum {
		v = *s.Minimum
	}
	if s.Maximum != nil && v > *s.Maximum {
		v = *s.Maximum
	}
	if s.is("integer") {
		return int64(v)
	}
	return v
}

// named strings that validators check but schemas rarely constrain.
var namedStrings = map[string]string{
	"timezone": "Europe/Lisbon", "time_zone": "Europe/Lisbon", "tz": "Europe/Lisbon",
	"locale": "en", "language": "en", "currency": "EUR", "country": "PT",
	"color": "#1e90ff", "colour": "#1e90ff", "phone": "+351210000000",
}

func (g *gen) str(name string, s *Schema, path []string) string {
	if kind, _, ok := refKind(name); ok && (s.Format == "uuid" || s.Format == "") && s.Pattern == "" {
		if id := g.ref(kind); id != "" {
			g.slots = append(g.slots, Slot{In: "body", Name: strings.Join(path, "."), Path: path, Kind: kind, Field: "id"})
			return id
		}
		if s.Format == "uuid" {
			return randomUUID()
		}
	}
	switch s.Format {
	case "uuid":
		return randomUUID()
	case "email", "idn-email":
		return fmt.Sprintf("probe-%s@example.com", randomHex(6))
	case "date-time":
		return g.when(name).Format(time.RFC3339)
	case "date":
		return g.when(name).Format(time.DateOnly)
	case "uri", "url", "iri":
		return "https://example.com/probe/" + randomHex(4)
	case "ipv4":
		return "192.0.2.10"
	case "ipv6":
		return "2001:db8::10"
	}
	if s.Pattern != "" {
		if v, ok := fromPattern(s.Pattern, g.rnd, s.MinLength, s.MaxLength); ok {
			return v
		}
	}
	if v, ok := namedStrings[strings.ToLower(name)]; ok {
		return v
	}
	text := fmt.Sprintf("%s-%d-%s", g.canary, g.next(), randomHex(3))
	return fit(text, s.MinLength, s.MaxLength)
}

// when returns a time in the future, unique in the run: an end/until/to field lies one hour after
// the start of its window, so generated windows never overlap and never exceed a day.
func (g *gen) when(name string) time.Time {
	base := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	if strings.Contains(strings.ToLower(name), "expire") {
		return base.Add(30 * 24 * time.Hour)
	}
	return base.Add(time.Duration(g.next()) * 3 * time.Hour)
}

func isEndName(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "end") || strings.Contains(n, "until") || n == "to" || strings.HasSuffix(n, "_to")
}

func isStartName(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "start") || strings.Contains(n, "begin") || n == "from" || strings.HasSuffix(n, "_from")
}

// closeWindows sets every end-like time of a set of values one hour after its start-like time,
// so a generated window is valid (end > start) and short.
func closeWindows(get func(string) (string, bool), set func(string, string), names []string) {
	var start time.Time
	var layout string
	for _, n := range names {
		if v, ok := get(n); ok && isStartName(n) {
			for _, l := range []string{time.RFC3339, time.DateOnly} {
				if t, err := time.Parse(l, v); err == nil {
					start, layout = t, l
				}
			}
		}
	}
	if start.IsZero() {
		return
	}
	for _, n := range names {
		if _, ok := get(n); ok && isEndName(n) {
			end := start.Add(time.Hour)
			if layout == time.DateOnly {
				end = start.Add(24 * time.Hour)
			}
			set(n, end.Format(layout))
		}
	}
}

// fit pads or trims s to the length bounds.
func fit(s string, minLen, maxLen *int) string {
	if minLen != nil {
		for len(s) < *minLen {
			s += "x"
		}
	}
	if maxLen != nil && len(s) > *maxLen {
		s = s[:*maxLen]
	}
	return s
}

// fromPattern generates a random string matching a regular expression, within the length bounds.
func fromPattern(pattern string, rnd *mrand.Rand, minLen, maxLen *int) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	check, err := regexp.Compile(pattern)
	if err != nil {
		return "", false
	}
	re = re.Simplify()
	for try := range 32 {
		var b strings.Builder
		emit(&b, re, rnd, 8+try%8)
		s := b.String()
		if (minLen == nil || len(s) >= *minLen) && (maxLen == nil || len(s) <= *maxLen) && check.MatchString(s) {
			return s, true
		}
	}
	return "", false
}

func emit(b *strings.Builder, re *syntax.Regexp, rnd *mrand.Rand, open int) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(pickRune(re.Rune, rnd))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('x')
	case syntax.OpCapture:
		emit(b, re.Sub[0], rnd, open)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			emit(b, s, rnd, open)
		}
	case syntax.OpAlternate:
		emit(b, re.Sub[rnd.IntN(len(re.Sub))], rnd, open)
	case syntax.OpQuest:
		emit(b, re.Sub[0], rnd, open)
	case syntax.OpStar, syntax.OpPlus:
		for range open {
			emit(b, re.Sub[0], rnd, open)
		}
	case syntax.OpRepeat:
		hi := re.Max
		if hi < 0 {
			hi = re.Min + open
		}
		n := re.Min
		if hi > re.Min {
			n += rnd.IntN(hi - re.Min + 1)
		}
		for range min(n, 256) {
			emit(b, re.Sub[0], rnd, open)
		}
	}
}

// pickRune picks a printable ASCII rune of a character class (pairs of lo, hi), preferring letters
// and digits, so generated values survive trimming and case folding.
func pickRune(ranges []rune, rnd *mrand.Rand) rune {
	var good, any []rune
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := max(ranges[i], 0x21); r <= ranges[i+1] && r <= 0x7e; r++ {
			any = append(any, r)
			if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				good = append(good, r)
			}
		}
	}
	switch {
	case len(good) > 0:
		return good[rnd.IntN(len(good))]
	case len(any) > 0:
		return any[rnd.IntN(len(any))]
	case len(ranges) > 0:
		return ranges[0]
	}
	return 'x'
}

func anyMap(m map[string]*Schema) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
