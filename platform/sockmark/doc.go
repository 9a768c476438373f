// Package sockmark marks the service's own sockets so the kill switch can
// tell them apart from every other program's: SO_MARK on Linux, where the
// firewall matches the mark and policy routing steers it; elsewhere the
// firewall identifies the service by its process (user root on macOS, the
// application ID on Windows) and nothing is set on the socket.
package sockmark
