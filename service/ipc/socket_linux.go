package ipc

func defaultSocket() string { return "/run/palisade/palisaded.sock" }
