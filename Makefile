# Palisade build, test, demo and benchmark entry points. Every target that
# needs system packages installs them first (scripts/deps.sh, as root).

GO        ?= go
BIN       := bin
CROSS     := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
GOTESTFLAGS ?= -timeout 45m
# Release binaries (cross, packages) carry no symbol table or DWARF.
RELEASE_LDFLAGS := -s -w

ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

.PHONY: all deps build cross cross-gui test vet fmt-check lint-workflows fuzz demo demo-down bench packages app clean

all: build

deps:
	@bash scripts/deps.sh

# palisade-gui is the tray (no Fyne); palisade-window, the window it starts
# from its own directory, is the only program that links Fyne and cgo.
build: deps
	$(GO) build -o $(BIN)/ ./cmd/palisaded ./cmd/palisade ./cmd/palisade-gui
	$(GO) build -o $(BIN)/ ./cmd/palisade-gui/palisade-window

# The service and CLI are cgo-free and build for every OS, and so is the
# tray on Linux and Windows (on macOS it needs cgo for the menu bar and is
# built on a Mac). The window needs cgo (GL) and is built natively, except
# for Windows (cross-gui, with mingw-w64). Windows' GUI programs are
# -H windowsgui: started at login or from the Start menu, they open no
# console.
cross:
	@for t in $(CROSS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; gui=; [ $$os = windows ] && ext=.exe && gui=-H=windowsgui; \
		echo "cross $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -ldflags="$(RELEASE_LDFLAGS)" -o $(BIN)/$$os-$$arch/palisaded$$ext ./cmd/palisaded || exit 1; \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -ldflags="$(RELEASE_LDFLAGS)" -o $(BIN)/$$os-$$arch/palisade$$ext ./cmd/palisade || exit 1; \
		[ $$os = darwin ] || GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -ldflags="$(RELEASE_LDFLAGS) $$gui" -o $(BIN)/$$os-$$arch/palisade-gui$$ext ./cmd/palisade-gui || exit 1; \
	done

# The Windows window for the MSI, cgo through mingw-w64 (installed by deps).
# Slow the first time (the C parts of the GL driver); the build cache keeps it.
cross-gui: deps
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc $(GO) build -ldflags="$(RELEASE_LDFLAGS) -H=windowsgui" -o $(BIN)/windows-amd64/palisade-window.exe ./cmd/palisade-gui/palisade-window

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The window (Fyne, cgo) is vetted natively only; so is the tray on macOS,
# where it needs cgo for the menu bar.
vet:
	$(GO) vet ./...
	@for os in darwin windows; do \
		echo "vet GOOS=$$os"; \
		skip='/app$$|/app/desktoptest|/app/internal|/cmd/palisade-gui/palisade-window'; \
		[ $$os = darwin ] && skip="$$skip|/app/tray|/cmd/palisade-gui"; \
		GOOS=$$os CGO_ENABLED=0 $(GO) vet $$(GOOS=$$os CGO_ENABLED=0 $(GO) list -e ./... 2>/dev/null | grep -v -E "$$skip") || exit 1; \
	done

# The OS workflows run only on GitHub's runners; here they are linted.
lint-workflows:
	$(GO) run $(ACTIONLINT) .github/workflows/*.yml

# The whole suite. Root-only tests skip with a reason when not root; GUI
# tests get a virtual display from xvfb-run.
test: deps fmt-check vet lint-workflows cross
	bash scripts/test.sh $(GOTESTFLAGS)

fuzz:
	$(GO) test ./service/profile -run '^$$' -fuzz FuzzParse -fuzztime 60s
	$(GO) test ./dnsproxy -run '^$$' -fuzz FuzzHandle -fuzztime 60s
	$(GO) test ./dnsproxy -run '^$$' -fuzz FuzzFastPath -fuzztime 60s
	$(GO) test ./service -run '^$$' -fuzz FuzzAPI -fuzztime 60s
	$(GO) test ./platform/cgroup -run '^$$' -fuzz FuzzParseMountinfo -fuzztime 60s
	$(GO) test ./platform/cgroup -run '^$$' -fuzz FuzzParseProcCgroup -fuzztime 60s
	$(GO) test ./service -run '^$$' -fuzz FuzzEventPidfd -fuzztime 30s
	$(GO) test ./service/nat64 -run '^$$' -fuzz FuzzDiscover -fuzztime 60s
	$(GO) test ./platform -run '^$$' -fuzz FuzzDecodeNAT64Req -fuzztime 60s
	$(GO) test ./platform/sysdns -run '^$$' -fuzz FuzzParseScutilOutput -fuzztime 60s
	$(GO) test ./firewall -run '^$$' -fuzz FuzzPFNormalize -fuzztime 60s
	$(GO) test ./service/profile -run '^$$' -fuzz FuzzValidName -fuzztime 60s
	$(GO) test ./service/settings -run '^$$' -fuzz FuzzDecode -fuzztime 60s
	$(GO) test ./cmd/palisade -run '^$$' -fuzz FuzzCLI -fuzztime 60s
	$(GO) test ./cmd/palisade -run '^$$' -fuzz FuzzApplySetting -fuzztime 60s
	$(GO) test ./platform -run '^$$' -fuzz FuzzParseRouterAdvertisement -fuzztime 60s
	$(GO) test ./platform/sysdns -run '^$$' -fuzz FuzzParseResolvConf -fuzztime 60s
	$(GO) test ./internal/fynelocale -run '^$$' -fuzz FuzzLanguage -fuzztime 30s
	$(GO) test ./service/nat64 -run '^$$' -fuzz FuzzParsePREF64 -fuzztime 60s
	$(GO) test ./service/keptblock -run '^$$' -fuzz FuzzParse -fuzztime 60s

demo: deps
	bash scripts/demo.sh

demo-down:
	bash scripts/demo.sh down

bench: deps
	bash scripts/bench.sh

# The macOS app bundle, build/Palisade.app, with the tray and the window in
# Contents/MacOS; both need cgo there, so this runs on a Mac (make packages
# lays out the bundle elsewhere, without the binaries).
app:
	$(GO) build -o $(BIN)/ ./cmd/palisade-gui ./cmd/palisade-gui/palisade-window
	$(GO) run ./installer/render -kind app -out build/Palisade.app -gui $(BIN)/palisade-gui -window $(BIN)/palisade-window

# The Linux window needs cgo, so the .deb/.rpm's palisade-window is built for
# this machine's architecture only (the tray comes from cross); packages.sh
# fails if either is missing.
packages: deps cross cross-gui build
	$(GO) build -ldflags="$(RELEASE_LDFLAGS)" -o $(BIN)/linux-$$($(GO) env GOARCH)/ ./cmd/palisade-gui/palisade-window
	bash scripts/packages.sh

clean:
	rm -rf $(BIN) build dist
