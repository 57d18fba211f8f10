# Top-level build. `make` builds the module, vmmctl, the guest payloads,
# the unit tests and the benchmark runner; `make test` runs every test.
# The newest kernel in /lib/modules unless KVER is given. An empty KVER
# (exported by a parent make or script that ran before scripts/setup.sh
# installed the kernel) is looked up again.
ifeq ($(strip $(KVER)),)
KVER := $(shell ls /lib/modules 2>/dev/null | sort -V | tail -n1)
endif
KDIR ?= /lib/modules/$(KVER)/build
export KVER KDIR

.PHONY: all module vmmctl guest unit bench integration test unit-test host-test bench-host demo sparse clean \
	install install-files uninstall dkms-source dkms-install dkms-remove deb packaging-test

all: module vmmctl guest unit bench integration

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module CONFIG_VMM=m W=1 modules

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module CONFIG_VMM=m W=1 C=2 modules

vmmctl:
	$(MAKE) -C vmmctl

guest:
	$(MAKE) -C guest-drivers

unit:
	$(MAKE) -C tests/unit

bench:
	$(MAKE) -C bench

integration:
	$(MAKE) -C tests/integration

# The main job on a fresh machine: install what is needed, build
# everything, boot the AMD-V test host and run a guest on its console.
demo:
	scripts/setup.sh
	$(MAKE) all
	tests/host/qemu-amd.sh demo

test:
	tests/run-all.sh

host-test: all
	tests/host/qemu-amd.sh test

# Not a test: our exit costs against kvm_amd's, side by side in one host.
bench-host: all
	tests/host/qemu-amd.sh bench

unit-test: unit
	$(MAKE) -C tests/unit check

# ------------------------------------------------------------------
# Installing like a Linux driver (README "Install"):
#
#   make install      vmmctl, vmmctl(1), bash completion, the udev rule
#                     (/dev/vmm: group vmm, 0660) and the modules-load
#                     entry, under $(DESTDIR)$(PREFIX); without DESTDIR
#                     also creates the group vmm and reloads udev
#   make uninstall    removes what make install put there (not the group)
#   make dkms-install the module's source to /usr/src/vmm-VERSION, then
#                     dkms add, build and install for every kernel with
#                     headers (DKMS_KERNELS) or the running one
#   make dkms-remove  dkms remove for all kernels, and the source
#   make deb          Debian packages vmm-dkms and vmmctl (debhelper,
#                     dh-dkms) from a copy of the tree, checked by lintian,
#                     in out/deb/
# ------------------------------------------------------------------
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
DKMS ?= dkms
DKMS_SRC = $(DESTDIR)/usr/src/vmm-$(VERSION)
# Every kernel in /lib/modules with headers (dkms's own default is only
# the running one, which may have none).
DKMS_KERNELS ?= $(notdir $(patsubst %/build/Makefile,%,$(wildcard /lib/modules/*/build/Makefile)))

INSTALLED_FILES = $(BINDIR)/vmmctl $(MANDIR)/man1/vmmctl.1 \
	$(BASHCOMPDIR)/vmmctl $(UDEVRULESDIR)/60-vmm.rules \
	$(MODULESLOADDIR)/vmm.conf

install: vmmctl
	$(MAKE) install-files
	@if [ -z "$(DESTDIR)" ]; then \
		getent group vmm >/dev/null || groupadd --system vmm; \
		if command -v udevadm >/dev/null && [ -d /run/udev ]; then \
			udevadm control --reload || true; \
			udevadm trigger --subsystem-match=misc --sysname-match=vmm || true; \
		fi; \
		echo "installed; users in group vmm may open /dev/vmm (adduser USER vmm)"; \
	fi

install-files:
	install -D -m 0755 vmmctl/vmmctl $(DESTDIR)$(BINDIR)/vmmctl
	install -D -m 0644 vmmctl/vmmctl.1 $(DESTDIR)$(MANDIR)/man1/vmmctl.1
	install -D -m 0644 packaging/vmmctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/vmmctl
	install -D -m 0644 packaging/60-vmm.rules $(DESTDIR)$(UDEVRULESDIR)/60-vmm.rules
	install -D -m 0644 packaging/vmm-modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/vmm.conf

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))

# The source DKMS builds from: module/ and uapi/ without build products.
dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude=Module.symvers --exclude=modules.order \
		--exclude='.*.d' --exclude='*.dwo' module uapi Kconfig dkms.conf | \
		tar -xf - -C $(DKMS_SRC)

dkms-install: dkms-source
	$(DKMS) add vmm/$(VERSION) || $(DKMS) status vmm/$(VERSION) | grep -q .
	@set -e; ks="$(DKMS_KERNELS)"; [ -n "$$ks" ] || ks=$$(uname -r); \
	for k in $$ks; do \
		echo "dkms: vmm/$(VERSION) for $$k"; \
		$(DKMS) build vmm/$(VERSION) -k $$k; \
		$(DKMS) install vmm/$(VERSION) -k $$k --force; \
	done

dkms-remove:
	-$(DKMS) remove vmm/$(VERSION) --all
	rm -rf $(DKMS_SRC)

# Debian packages from a copy of the tree (the files git knows, or all
# but out/ and build products without git).
DEB_DIR := out/deb
deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/vmm-$(VERSION)
	if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -co --exclude-standard | grep -v '^out/' | \
			tar -cf - -T - | tar -xf - -C $(DEB_DIR)/vmm-$(VERSION); \
	else \
		tar -cf - --exclude=./out --exclude='*.o' --exclude='*.ko' . | \
			tar -xf - -C $(DEB_DIR)/vmm-$(VERSION); \
	fi
	cd $(DEB_DIR)/vmm-$(VERSION) && dpkg-buildpackage -us -uc -b
	lintian --info --display-info $(DEB_DIR)/*.changes | tee $(DEB_DIR)/lintian.log

# Installation, DKMS and the packages on this machine (tests/packaging).
packaging-test:
	tests/packaging/test.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean
	$(MAKE) -C vmmctl clean
	$(MAKE) -C guest-drivers clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C bench clean
	$(MAKE) -C tests/integration clean
	rm -rf out
