package hook

import (
	"testing"

	"github.com/secretcache/secretcache-go/secretcache"
)

// BenchmarkHit measures a cache hit without a hook and with the AES-GCM hook
// side by side, so the price of keeping secrets sealed reads off one table:
// the difference is one GCM open of the secret plus copying it out.
func BenchmarkHit(b *testing.B) {
	hooks := []struct {
		name string
		hook func(b *testing.B) secretcache.CacheHook
	}{
		{"plain", func(*testing.B) secretcache.CacheHook { return nil }},
		{"aesgcm", func(b *testing.B) secretcache.CacheHook { return newAESGCM(b) }},
	}
	for _, h := range hooks {
		c, srv := newCache(b, h.hook(b))
		if _, err := srv.CreateSecret("app/db", `{"username":"app","password":"`+plaintext+`"}`); err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetSecretString("app/db"); err != nil {
			b.Fatal(err)
		}
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.GetSecretString("app/db"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(h.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.GetSecretString("app/db"); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
