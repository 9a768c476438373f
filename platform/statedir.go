package platform

// Well-known SIDs that may own and read the state directory on Windows.
const (
	sidSystem         = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
)

// StateDirSDDL is the state directory's security on Windows: owned by
// SYSTEM, a protected DACL (nothing inherited from %ProgramData%, whose
// default lets every user read) granting full control to SYSTEM and
// Administrators only, inherited by the profiles and logs inside.
const StateDirSDDL = "O:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// DirACE is one entry of a directory's DACL.
type DirACE struct {
	SID   string
	Allow bool
}

// DirSecurity is what is read back of the state directory's security.
type DirSecurity struct {
	Owner     string
	Protected bool
	ACEs      []DirACE
}

// StateDirRepair says what must change for the state directory to hold
// private keys: take ownership when it belongs to anyone but SYSTEM or
// Administrators (a directory someone created before the service), and
// replace the DACL unless it is protected and allows nobody else.
// os.Chmod does nothing of this on Windows.
func StateDirRepair(s DirSecurity) (takeOwnership, resetDACL bool) {
	takeOwnership = s.Owner != sidSystem && s.Owner != sidAdministrators
	resetDACL = !s.Protected || len(s.ACEs) == 0
	for _, a := range s.ACEs {
		if a.Allow && a.SID != sidSystem && a.SID != sidAdministrators {
			resetDACL = true
		}
	}
	return takeOwnership, resetDACL
}
