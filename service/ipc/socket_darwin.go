package ipc

func defaultSocket() string { return "/var/run/palisade/palisaded.sock" }
