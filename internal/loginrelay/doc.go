// Package loginrelay is a TCP relay for database tests that counts, at the
// wire, the logins a MySQL/MariaDB or PostgreSQL server accepted and
// refused. A test points the client at the relay instead of the server and
// asserts on what the server answered, independently of anything the client
// library counts about itself.
//
// The relay parses only the server's side of each connection's login:
//
//   - MySQL and MariaDB: the packets after the client's handshake response,
//     up to the first OK packet (accepted) or ERR packet (refused, with its
//     error number: 1045 for a wrong password, 4151 for a locked account,
//     ...). An ERR packet instead of the server's greeting (too many
//     connections, a blocked host) is counted as refused too, with its
//     number.
//   - PostgreSQL: the messages after the startup message, up to the first
//     ReadyForQuery (accepted) or ErrorResponse (refused, with its SQLSTATE:
//     28P01 for a wrong password, 28000 for a role that may not log in or a
//     pg_hba.conf reject, ...). A role that may not log in is refused after
//     AuthenticationOk, so AuthenticationOk alone does not count as accepted.
//
// A connection that switches to TLS cannot be read and counts as Unread. A
// connection the client closes before the server's verdict (a login
// abandoned before it sent credentials) counts as neither.
//
// # Ordering
//
// The relay records a verdict before it forwards the bytes that carry it, so
// once the client has seen the server's answer, Counts includes it: a test
// can assert right after its call returns, with no wait.
//
// # Concurrency
//
// A Relay is safe for concurrent use; every connection is relayed by its own
// two goroutines, which Close ends and waits for.
package loginrelay
