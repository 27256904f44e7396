package auth

import "testing"

// BenchmarkAPIKeyCheck is the CPU part of checking an X-API-Key, as apikeys.Service.Authenticate
// does it around its one database read: parse the token (checksum included), unpack the tenant and
// key ids, hash it and compare with the stored hash in constant time.
func BenchmarkAPIKeyCheck(b *testing.B) {
	o := newTestOpaque(b, KindAPIKey)
	s, stored := o.Token(), o.Hash()
	b.ReportAllocs()
	for b.Loop() {
		tok, err := ParseOpaque(KindAPIKey, s)
		if err != nil {
			b.Fatal(err)
		}
		if tenant, _ := UnpackUUIDs(tok.Public); tenant != testTenant || !EqualHash(tok.Hash(), stored) {
			b.Fatal("key does not match")
		}
	}
}
