// Package sigprofile, linked into the GUI's programs and built with -tags
// profile, writes Go heap and CPU profiles on signals (SIGUSR1, SIGUSR2)
// into $PALISADE_PROFILE, for finding what an idle tray or window spends
// (docs/benchmarks.md). Without the tag it is empty: release builds leave
// it out.
package sigprofile
