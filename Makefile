# slipway — the developer entry points. Every target that needs system packages calls `deps` first.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
PROFILE ?= profiles/docker-host.yaml
OUT ?= out
BIN := .build/$(CONFIG)/slipway

# Debian packages the build, the tests and the images need. `make deps` installs the missing ones.
APT_PACKAGES := pkg-config libarchive-dev liblzma-dev libblkid-dev libext2fs-dev e2fsprogs \
	qemu-system-x86 qemu-utils ovmf systemd-boot-efi dosfstools mtools fdisk gdisk \
	busybox-static ignition zstd cpio xz-utils kmod skopeo systemd time python3 \
	libssl-dev libzstd-dev zlib1g-dev openssl openssh-client gpg gpg-agent cryptsetup-bin \
	python3-venv sbsigntool faketime binutils docker-registry

# The SPDX validator (pyspdxtools) the SBOM tests run, in a virtual environment of its own.
SPDX_TOOLS := .build-tools/spdx

.PHONY: all build deps test test-fast bench fuzz fmt lint image run demo clean

all: build

deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@if [ ! -x $(SPDX_TOOLS)/bin/pyspdxtools ]; then \
		echo "make deps: installing spdx-tools into $(SPDX_TOOLS)"; \
		rm -rf $(SPDX_TOOLS) && /usr/bin/python3 -m venv $(SPDX_TOOLS) && \
		$(SPDX_TOOLS)/bin/pip install -q spdx-tools; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

# Everything, the QEMU boot tests included (they run under TCG when KVM is not usable).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

# Unit and format tests only: no QEMU boots.
test-fast: deps
	$(SWIFT) test --skip SystemTests

bench: build
	bash scripts/bench.sh
	bash scripts/bench-verity.sh

# libFuzzer targets under AddressSanitizer, FUZZ_SECONDS (default 600) each; see scripts/fuzz.sh.
fuzz: deps
	bash scripts/fuzz.sh

fmt:
	$(SWIFT) format --in-place --recursive --configuration .swift-format Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Sources Tests Package.swift

image: build
	$(BIN) build $(PROFILE) --output $(OUT)

run: image
	$(BIN) run $(OUT)/$(basename $(notdir $(PROFILE))).img

demo: run

clean:
	rm -rf .build .build-fuzz .build-tools $(OUT)
