package platform

import "testing"

func TestStateDirRepair(t *testing.T) {
	good := []DirACE{{sidSystem, true}, {sidAdministrators, true}}
	cases := []struct {
		name         string
		s            DirSecurity
		owner, reset bool
	}{
		{"as created", DirSecurity{sidSystem, true, good}, false, false},
		{"owned by Administrators", DirSecurity{sidAdministrators, true, good}, false, false},
		{"deny entries are harmless", DirSecurity{sidSystem, true, append(good[:2:2], DirACE{"S-1-1-0", false})}, false, false},
		// %ProgramData% default: inherited, Users may read.
		{"inherited DACL", DirSecurity{sidSystem, false, good}, false, true},
		{"Users may read", DirSecurity{sidSystem, true, append(good[:2:2], DirACE{"S-1-5-32-545", true})}, false, true},
		{"empty DACL", DirSecurity{sidSystem, true, nil}, false, true},
		// A user created the directory before the service was installed.
		{"foreign owner", DirSecurity{"S-1-5-21-1-2-3-1001", true, good}, true, false},
		{"foreign owner, open", DirSecurity{"S-1-5-21-1-2-3-1001", false, []DirACE{{"S-1-5-21-1-2-3-1001", true}}}, true, true},
	}
	for _, c := range cases {
		owner, reset := StateDirRepair(c.s)
		if owner != c.owner || reset != c.reset {
			t.Errorf("%s: take ownership %v, reset DACL %v; want %v, %v", c.name, owner, reset, c.owner, c.reset)
		}
	}
}
