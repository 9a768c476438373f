package main

import (
	"github.com/palisadevpn/palisade/installer"
	"github.com/palisadevpn/palisade/service/auth"
)

// packagedUnits are where the .deb and .rpm put the unit (/lib is the same
// directory on merged-/usr systems and the older place on the others).
var packagedUnits = []string{
	"/usr/lib/systemd/system/" + installer.SystemdUnitName,
	"/lib/systemd/system/" + installer.SystemdUnitName,
}

func svcAddGroupCommand() []string {
	return []string{"groupadd", "--system", auth.GroupName}
}
