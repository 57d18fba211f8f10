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

.PHONY: all module vmmctl guest unit bench integration test unit-test host-test bench-host demo sparse clean

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

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean
	$(MAKE) -C vmmctl clean
	$(MAKE) -C guest-drivers clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C bench clean
	$(MAKE) -C tests/integration clean
	rm -rf out
