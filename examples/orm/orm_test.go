package orm

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/secretcache/secretcache-go/internal/testdb"
	"github.com/secretcache/secretcache-go/jdbcstyle"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// order is the row the ORMs share.
type order struct {
	ID    int64 `db:"id" gorm:"primaryKey"`
	Item  string
	Price int64
}

// TestORMs writes with sqlx, reads with GORM and counts with ent on a
// jdbcstyle *sql.DB, across a single-user rotation of its secret.
func TestORMs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		engine jdbcstyle.Engine
		server func(testing.TB) *testdb.Server
	}{{jdbcstyle.MySQL, testdb.MySQL}, {jdbcstyle.Postgres, testdb.Postgres}} {
		t.Run(tt.engine.String(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			srv := tt.server(t)
			user, pw := testdb.UniqueName("orm"), password(t)
			srv.CreateUser(t, user, pw)
			sm := secretsmanagertest.NewServer()
			defer sm.Close()
			secret := func(pw string) string {
				b, _ := json.Marshal(map[string]any{"engine": tt.engine.String(), "host": srv.Host, "port": srv.Port,
					"username": user, "password": pw, "dbname": srv.Database()})
				return string(b)
			}
			if _, err := sm.CreateSecret("orm/db", secret(pw)); err != nil {
				t.Fatal(err)
			}
			cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm.Client() })
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			dsn := "orm/db"
			if tt.engine == jdbcstyle.Postgres {
				dsn += "?sslmode=disable"
			}
			conn, err := jdbcstyle.NewConnector(cache, tt.engine, dsn)
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(conn)
			defer db.Close()
			db.SetMaxIdleConns(0) // every query logs in: the rotation shows

			table := testdb.UniqueName("orders")
			gdb, err := GORM(db, tt.engine)
			if err != nil {
				t.Fatalf("GORM: %v", err)
			}
			if err := gdb.WithContext(ctx).Table(table).AutoMigrate(&order{}); err != nil {
				t.Fatalf("GORM AutoMigrate: %v", err)
			}

			x := SQLX(db, tt.engine)
			insert := x.Rebind("INSERT INTO " + table + " (item, price) VALUES (?, ?)")
			if _, err := x.ExecContext(ctx, insert, "tea", 3); err != nil {
				t.Fatalf("sqlx insert: %v", err)
			}

			// Rotate: the database first (setSecret), then the secret.
			pw2 := password(t)
			srv.SetPassword(t, user, pw2)
			if _, err := sm.Rotate(ctx, "orm/db", secret(pw2)); err != nil {
				t.Fatal(err)
			}

			if _, err := x.ExecContext(ctx, insert, "coffee", 4); err != nil {
				t.Fatalf("sqlx insert after the rotation: %v", err)
			}
			var got []order
			if err := x.SelectContext(ctx, &got, x.Rebind("SELECT id, item, price FROM "+table+" WHERE price > ? ORDER BY id"), 0); err != nil || len(got) != 2 {
				t.Fatalf("sqlx select: got %v, %v, want 2 rows", got, err)
			}
			var viaGORM []order
			if err := gdb.WithContext(ctx).Table(table).Where("price >= ?", 4).Find(&viaGORM).Error; err != nil || len(viaGORM) != 1 || viaGORM[0].Item != "coffee" {
				t.Fatalf("GORM find: got %v, %v, want the coffee", viaGORM, err)
			}

			drv := Ent(db, tt.engine)
			query, args := entsql.Dialect(drv.Dialect()).Select(entsql.Count("*")).From(entsql.Table(table)).Where(entsql.GT("price", 0)).Query()
			var rows entsql.Rows
			if err := drv.Query(ctx, query, args, &rows); err != nil {
				t.Fatalf("ent query: %v", err)
			}
			defer rows.Close()
			var n int
			if !rows.Next() || rows.Scan(&n) != nil || n != 2 {
				t.Fatalf("ent count: got %d, want 2", n)
			}
		})
	}
}

func password(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "pw-" + hex.EncodeToString(b)
}
