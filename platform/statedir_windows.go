package platform

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// SecureStateDir creates the state directory and makes sure only SYSTEM
// and Administrators can use it (StateDirRepair decides; StateDirSDDL is
// applied), then checks the result. It returns what it changed, for the
// one log line the caller writes.
func SecureStateDir(dir string) (changed string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	cur, err := readDirSecurity(dir)
	if err != nil {
		return "", err
	}
	owner, reset := StateDirRepair(cur)
	if !owner && !reset {
		return "", nil
	}
	want, err := windows.SecurityDescriptorFromString(StateDirSDDL)
	if err != nil {
		return "", err
	}
	var info windows.SECURITY_INFORMATION
	var sid *windows.SID
	var dacl *windows.ACL
	if owner {
		info |= windows.OWNER_SECURITY_INFORMATION
		if sid, _, err = want.Owner(); err != nil {
			return "", err
		}
	}
	if reset {
		info |= windows.DACL_SECURITY_INFORMATION | windows.PROTECTED_DACL_SECURITY_INFORMATION
		if dacl, _, err = want.DACL(); err != nil {
			return "", err
		}
	}
	if err := windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, info, sid, nil, dacl, nil); err != nil {
		return "", fmt.Errorf("secure %s: %w", dir, err)
	}
	after, err := readDirSecurity(dir)
	if err != nil {
		return "", err
	}
	if o, r := StateDirRepair(after); o || r {
		return "", fmt.Errorf("%s is still readable by others or foreign-owned after repair (owner %s)", dir, after.Owner)
	}
	return fmt.Sprintf("took ownership: %v, replaced DACL: %v (was owner %s, protected %v)", owner, reset, cur.Owner, cur.Protected), nil
}

func readDirSecurity(dir string) (DirSecurity, error) {
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return DirSecurity{}, fmt.Errorf("read security of %s: %w", dir, err)
	}
	var s DirSecurity
	if owner, _, err := sd.Owner(); err == nil && owner != nil {
		s.Owner = owner.String()
	}
	if ctl, _, err := sd.Control(); err == nil {
		s.Protected = ctl&windows.SE_DACL_PROTECTED != 0
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		// No DACL at all means everyone has full access.
		return s, nil
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return DirSecurity{}, err
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		s.ACEs = append(s.ACEs, DirACE{SID: sid.String(), Allow: ace.Header.AceType == windows.ACCESS_ALLOWED_ACE_TYPE})
	}
	return s, nil
}
