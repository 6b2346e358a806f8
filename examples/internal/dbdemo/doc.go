// Package dbdemo is the program behind examples/mysql and examples/postgres,
// which differ only in their Engine, and the engine knowledge that
// examples/rotation shares with them: reaching an admin account, creating,
// changing and dropping demo users, and keeping passwords out of errors.
//
// An example's main is one line:
//
//	func main() { dbdemo.Main(dbdemo.MySQL) }
//
// MySQL and Postgres hold no state and are safe for concurrent use. Every
// function that talks to a server takes a context and returns its error when
// it ends; DropUsers alone runs on past it, for a bounded time, so that a
// cancelled demo still leaves no user behind.
package dbdemo
