package keptblock

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// recordSDDL lets SYSTEM and Administrators do anything with the record and
// authenticated users read it; protected, so the state directory's
// SYSTEM/Administrators-only inheritance does not apply. Users reach it
// without listing the directory (the traverse-checking bypass privilege
// every user holds).
const recordSDDL = "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;AU)"

// shareRecord gives the record its own DACL readable by users.
func shareRecord(path string) error {
	sd, err := windows.SecurityDescriptorFromString(recordSDDL)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	info := windows.SECURITY_INFORMATION(windows.DACL_SECURITY_INFORMATION | windows.PROTECTED_DACL_SECURITY_INFORMATION)
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, info, nil, nil, dacl, nil); err != nil {
		return fmt.Errorf("share %s: %w", path, err)
	}
	return nil
}
