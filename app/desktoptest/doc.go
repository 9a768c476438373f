// Package desktoptest holds the GUI's tests that need a real display: the
// window screenshots and the Linux tray registration. They run the real Fyne
// driver on the main thread, so they live apart from the unit tests, which
// use Fyne's test driver. Run them under Xvfb: xvfb-run -a go test ./app/desktoptest
package desktoptest
