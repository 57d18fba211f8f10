# Top-level build. `make` builds the module, vmmctl, the guest payloads,
# the unit tests and the benchmark runner; `make test` runs every test.
KVER ?= $(shell ls /lib/modules 2>/dev/null | sort -V | tail -n1)
KDIR ?= /lib/modules/$(KVER)/build
export KVER KDIR

.PHONY: all module vmmctl guest unit bench test unit-test host-test sparse clean

all: module vmmctl guest unit bench

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

test:
	tests/run-all.sh

unit-test: unit
	$(MAKE) -C tests/unit check

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean
	$(MAKE) -C vmmctl clean
	$(MAKE) -C guest-drivers clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C bench clean
