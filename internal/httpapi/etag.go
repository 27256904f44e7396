package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// readsOne reports whether op reads one object: a GET whose path ends with a parameter
// (/api/v1/sites/{id}). Lists and streams do not.
func readsOne(op *huma.Operation) bool {
	return op != nil && op.Method == http.MethodGet && strings.HasSuffix(op.Path, "}")
}

// etagOf is the strong entity tag of a representation: a hash of its bytes, so that any change of
// the object (its updated_at included) changes it.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// matches reports whether an If-None-Match or If-Match value lists tag (or is "*"). Weak
// comparison: a W/ prefix is ignored.
func matches(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}

// etags is the Huma middleware that gives every read of one object an ETag and answers a GET
// whose If-None-Match names it with 304 Not Modified and no body.
func etags(ctx huma.Context, next func(huma.Context)) {
	if !readsOne(ctx.Operation()) {
		next(ctx)
		return
	}
	b := newBuffered(ctx, ctx.BodyReader())
	next(b)
	if b.status != 0 && b.status != http.StatusOK {
		b.flush(ctx)
		return
	}
	tag := etagOf(b.out.Bytes())
	b.header.Set("ETag", tag)
	if inm := ctx.Header("If-None-Match"); inm != "" && matches(inm, tag) {
		b.header.Del("Content-Length")
		b.copyHeaders(ctx)
		ctx.SetStatus(http.StatusNotModified)
		return
	}
	b.flush(ctx)
}

// documentRead declares the ETag of a read of one object and its If-None-Match.
func documentRead(op *huma.Operation) {
	op.Parameters = append(op.Parameters, &huma.Param{
		Name: "If-None-Match", In: "header",
		Description: "An ETag of an earlier answer: while the object is unchanged the answer is 304 Not Modified, without a body.",
		Schema:      &huma.Schema{Type: huma.TypeString},
	})
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	ok := op.Responses["200"]
	if ok == nil {
		ok = &huma.Response{}
		op.Responses["200"] = ok
	}
	if ok.Headers == nil {
		ok.Headers = map[string]*huma.Header{}
	}
	ok.Headers["ETag"] = &huma.Header{Description: "The object's entity tag (a hash of this representation)", Schema: &huma.Schema{Type: huma.TypeString}}
	op.Responses["304"] = &huma.Response{Description: "Not Modified: the object still has the ETag of If-None-Match"}
}
