package sockmark

import (
	"net"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestControl checks that dialed sockets of both families carry the mark.
func TestControl(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs CAP_NET_ADMIN to set SO_MARK")
	}
	for _, addr := range []string{"127.0.0.1:53", "[::1]:53"} {
		d := net.Dialer{Control: Control(0x5041)}
		conn, err := d.Dial("udp", addr)
		if err != nil {
			t.Skipf("%s: %v (no such family here)", addr, err)
		}
		raw, err := conn.(*net.UDPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var mark int
		var gerr error
		raw.Control(func(fd uintptr) { mark, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK) })
		conn.Close()
		if gerr != nil || mark != 0x5041 {
			t.Fatalf("%s: mark %#x (%v), want 0x5041", addr, mark, gerr)
		}
	}
	if Control(0) != nil {
		t.Fatal("mark 0 should leave sockets alone")
	}
}
