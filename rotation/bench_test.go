package rotation

import "testing"

// BenchmarkRotation measures a full rotation (RotateSecret until the
// emulator reports it complete: four steps, their Secrets Manager calls and
// logins) of each strategy and engine against the local servers, without
// and with TLS. Alternating users alternate, so after the first iteration
// each rotation sets an existing user's password.
func BenchmarkRotation(b *testing.B) {
	for _, c := range append(dbCases, tlsCases()...) {
		b.Run(c.name, func(b *testing.B) {
			e := newDBEnv(b, c)
			if _, err := e.rotate(); err != nil { // creates the clone
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := e.rotate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
