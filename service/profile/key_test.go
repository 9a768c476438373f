package profile

import "testing"

func TestKeyRoundTrip(t *testing.T) {
	k := mustKey(t, testPriv)
	if k.String() != testPriv {
		t.Errorf("String() = %s, want %s", k, testPriv)
	}
	if want := "d8546a7e5d3826da589db7779ed41cec12bfa2310ebc4b4abe1f1c53dac0cf64"; k.Hex() != want {
		t.Errorf("Hex() = %s, want %s", k.Hex(), want)
	}
	if k.IsZero() || !(Key{}).IsZero() {
		t.Error("IsZero wrong")
	}
}

// TestPublic checks against the RFC 7748 section 6.1 vector and a pair made
// by wg(8).
func TestPublic(t *testing.T) {
	tests := []struct{ priv, pub string }{
		{"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="},
		{testPriv, testOwnPub},
	}
	for _, tt := range tests {
		if got := mustKey(t, tt.priv).Public().String(); got != tt.pub {
			t.Errorf("Public(%s) = %s, want %s", tt.priv, got, tt.pub)
		}
	}
}

func TestParseKeyRejectsNonCanonical(t *testing.T) {
	// Same bytes as a valid key but with non-zero padding bits: accepting it
	// would make String() differ from the file.
	b := []byte(testPriv)
	b[42] = 'R' // 'Q' → 'R' sets a padding bit
	if _, err := ParseKey(string(b)); err == nil {
		t.Error("non-canonical base64 accepted")
	}
	if _, err := ParseKey(" " + testPriv[1:]); err == nil {
		t.Error("key with a space accepted")
	}
}

func TestGeneratePrivateKey(t *testing.T) {
	a, err := GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	if a == b || a.IsZero() {
		t.Fatal("keys not random")
	}
	if a[0]&7 != 0 || a[31]&128 != 0 || a[31]&64 == 0 {
		t.Errorf("key not clamped: %x", a)
	}
	if p, err := ParseKey(a.String()); err != nil || p != a {
		t.Errorf("generated key does not round-trip: %v", err)
	}
}
