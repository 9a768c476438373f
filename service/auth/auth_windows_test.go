package auth

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// A client dialing with Dial is identified by impersonation as the user it
// runs as; with go-winio's default (anonymous) dial the service could not
// open the client's token and treated everyone as unprivileged. Runs on
// Windows only (the Windows workflow); here it is only compiled by vet.
func TestPipeClientConfirmedAsItsUser(t *testing.T) {
	path := fmt.Sprintf(`\\.\pipe\palisade-auth-test-%d`, os.Getpid())
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		id  Identity
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		// Impersonation works once the client has written.
		if _, err := c.Read(make([]byte, 1)); err != nil {
			got <- result{err: err}
			return
		}
		id, err := confirmByClient(c)
		got <- result{id, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-got:
	case <-ctx.Done():
		t.Fatal("the server never confirmed the client")
	}
	if r.err != nil {
		t.Fatalf("client not confirmed: %v", r.err)
	}
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	sid := tu.User.Sid
	if want := int(sid.SubAuthority(uint32(sid.SubAuthorityCount()) - 1)); r.id.UID != want || r.id.UID < 0 {
		t.Errorf("confirmed as %+v, want the test's own user (RID %d)", r.id, want)
	}
}
