package tunnel

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/profile"
)

func TestUAPI(t *testing.T) {
	var priv, pub, psk profile.Key
	priv[0], pub[0], psk[0] = 1, 2, 3
	cfg := Config{
		PrivateKey: priv, FwMark: 0xca6c,
		Peers: []Peer{{
			PublicKey: pub, PresharedKey: psk, Keepalive: 25,
			Endpoint:   netip.MustParseAddrPort("[2001:db8:100::2]:51820"),
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
		}},
	}
	got := cfg.UAPI()
	for _, want := range []string{
		"private_key=01" + strings.Repeat("00", 31) + "\n",
		"fwmark=51820\n", "replace_peers=true\n",
		"public_key=02" + strings.Repeat("00", 31) + "\n",
		"preshared_key=03" + strings.Repeat("00", 31) + "\n",
		"endpoint=[2001:db8:100::2]:51820\n", "persistent_keepalive_interval=25\n",
		"allowed_ip=0.0.0.0/0\nallowed_ip=::/0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("UAPI lacks %q:\n%s", want, got)
		}
	}
	cfg.Peers[0].PresharedKey = profile.Key{}
	if strings.Contains(cfg.UAPI(), "preshared_key") {
		t.Error("zero preshared key rendered")
	}
}

func TestParseStats(t *testing.T) {
	in := "private_key=00\npublic_key=aa\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\ntx_bytes=100\nrx_bytes=200\n" +
		"public_key=bb\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=1\nrx_bytes=2\nerrno=0\n"
	st, err := ParseStats(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1700000000, 5); !st.LastHandshake.Equal(want) || st.TxBytes != 101 || st.RxBytes != 202 {
		t.Fatalf("got %+v", st)
	}
	if st, _ := ParseStats("public_key=aa\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n"); !st.LastHandshake.IsZero() {
		t.Fatalf("no handshake parsed as %v", st.LastHandshake)
	}
	if _, err := ParseStats("rx_bytes=lots\n"); err == nil {
		t.Fatal("garbage accepted")
	}
}
