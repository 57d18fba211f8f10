#!/bin/sh
# vmm.mode=check: the host suite with the kvm stack load test.
HOSTCHECK_KVM=1 exec sh "$(dirname "$0")/hostcheck.sh"
