package ipc

import "testing"

func TestEnvSocket(t *testing.T) {
	t.Setenv("PALISADE_SOCKET", "")
	if got := EnvSocket(); got != DefaultSocket {
		t.Errorf("unset: %q, want %q", got, DefaultSocket)
	}
	t.Setenv("PALISADE_SOCKET", "/tmp/other.sock")
	if got := EnvSocket(); got != "/tmp/other.sock" {
		t.Errorf("set: %q", got)
	}
}
