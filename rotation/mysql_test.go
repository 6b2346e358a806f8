package rotation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// TestQuoteMySQLOnServer has the server read back what quoteMySQL quoted,
// in both ways a session can read backslashes.
func TestQuoteMySQLOnServer(t *testing.T) {
	t.Parallel()
	srv := testdb.MySQL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := srv.AdminDB(t).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	values := []string{`it's`, `a\b`, `\'`, `'\''`, `\`, `''`, "é🙂\"`", `%_\%`, "\\n\n\r\x1a"}
	for _, mode := range []string{"", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES"} {
		if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = '"+mode+"'"); err != nil {
			t.Fatal(err)
		}
		s := &mysqlSession{conn: conn}
		quote, err := s.quoter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			lit, err := quote(v)
			if err != nil {
				t.Fatalf("quote(%q): %v", v, err)
			}
			var got string
			if err := conn.QueryRowContext(ctx, "SELECT "+lit).Scan(&got); err != nil || got != v {
				t.Errorf("sql_mode %q: SELECT %s = %q, %v; want %q", mode, lit, got, err, v)
			}
		}
	}
}

func TestPlainPasswordLiteral(t *testing.T) {
	t.Parallel()
	for version, want := range map[string]bool{
		"10.11.19-MariaDB-0+deb12u1": false, "11.4.2-MariaDB": false, "5.7.44": false, "5.7.mysql_aurora.2.11.2": false,
		"8.0.36": true, "8.0.mysql_aurora.3.05.2": true, "9.1.0": true, "": false,
	} {
		if got := plainPasswordLiteral(version); got != want {
			t.Errorf("plainPasswordLiteral(%q) = %v, want %v", version, got, want)
		}
	}
}

func TestQuoteMySQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                 string
		backslash, literal string // with and without NO_BACKSLASH_ESCAPES
	}{
		{"plain", "'plain'", "'plain'"},
		{"it's", "'it''s'", "'it''s'"},
		{`a\b`, `'a\\b'`, `'a\b'`},
		{`\'`, `'\\'''`, `'\'''`},
		{"é\"`", "'é\"`'", "'é\"`'"},
	}
	for _, tt := range tests {
		if got, err := quoteMySQL(tt.in, false); err != nil || got != tt.backslash {
			t.Errorf("quoteMySQL(%q, false) = %s, %v; want %s", tt.in, got, err, tt.backslash)
		}
		if got, err := quoteMySQL(tt.in, true); err != nil || got != tt.literal {
			t.Errorf("quoteMySQL(%q, true) = %s, %v; want %s", tt.in, got, err, tt.literal)
		}
	}
	for _, bad := range []string{"nul\x00", "\xff\xfe"} {
		if _, err := quoteMySQL(bad, false); !errors.Is(err, errUnquotable) {
			t.Errorf("quoteMySQL(%q) = %v, want errUnquotable", bad, err)
		}
	}
}
