package rotation

import (
	"context"
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
