// Package sockmark prepares the service's own sockets so the kill switch
// can tell them apart from every other program's and they stay off the
// tunnel: SO_MARK on Linux, where the firewall matches the mark and policy
// routing keeps marked packets out of the tunnel's table. macOS and Windows
// have no mark (the firewall identifies the service as root / by its
// application ID); there Bound ties a socket to the physical interface.
package sockmark
