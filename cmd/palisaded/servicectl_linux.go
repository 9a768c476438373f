package main

import "github.com/palisadevpn/palisade/service/auth"

func svcAddGroupCommand() []string {
	return []string{"groupadd", "--system", auth.GroupName}
}
