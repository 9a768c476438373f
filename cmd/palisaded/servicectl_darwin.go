package main

import "github.com/palisadevpn/palisade/service/auth"

func svcAddGroupCommand() []string {
	return []string{"/usr/sbin/dseditgroup", "-o", "create", "-r", "Palisade VPN users", auth.GroupName}
}
