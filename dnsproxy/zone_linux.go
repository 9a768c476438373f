package dnsproxy

// loopbackZone is the name of the loopback interface the link-local listener
// is scoped to.
const loopbackZone = "lo"
