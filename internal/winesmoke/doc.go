// Package winesmoke holds the smoke test of the Windows build under Wine:
// the CLI and the GUI cross-built for windows/amd64 start, talk and draw.
// The service is not run: Wine has no WFP, Wintun or SCM to run it with.
package winesmoke
