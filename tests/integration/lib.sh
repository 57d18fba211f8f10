# Shared helpers for the in-host suites (busybox sh). Source it, then:
#   ktap_begin NAME; ok DESC / not_ok DESC / skip DESC WHY / check DESC CMD...;
#   diag TEXT; diag_file FILE; ktap_end  (prints "# NAME: P passed, F failed[, S skipped]")
# Paths default to the test host's layout; override them to run a suite
# on a machine with real AMD-V/VT-x, e.g.
#   sudo VMM_KO=module/vmm.ko VMMCTL=vmmctl/vmmctl PAYLOADS=guest-drivers/build \
#        ABI_TEST=tests/integration/build/abi_test sh tests/integration/run.sh

VMMCTL=${VMMCTL:-/bin/vmmctl}
VMM_KO=${VMM_KO:-/lib/vmm/vmm.ko}
PAYLOADS=${PAYLOADS:-/payloads}
ABI_TEST=${ABI_TEST:-/bin/abi_test}
KVM_DIR=${KVM_DIR:-/lib/kvm}
TMP=${TMPDIR:-/tmp}
# one command may take at most this long (a hang is a failure, not a stuck run)
CMD_TIMEOUT=${CMD_TIMEOUT:-120}

_n=0; _pass=0; _fail=0; _skip=0; _suite=

ktap_begin() {
	_suite=$1
	echo "KTAP version 1"
	echo "# Subtest: $_suite"
}

ok() { _n=$((_n + 1)); _pass=$((_pass + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _fail=$((_fail + 1)); echo "not ok $_n - $*"; }
skip() { _n=$((_n + 1)); _skip=$((_skip + 1)); echo "ok $_n - $1 # SKIP ${2:-}"; }
diag() { echo "$*" | sed 's/^/# /'; }
# FILE [MAX]: a file's (last MAX) lines as diagnostics
diag_file() { [ -s "$1" ] && tail -n "${2:-40}" "$1" | sed 's/^/# /'; return 0; }

# result COND DESC: ok if COND (a shell status) is 0
result() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# check DESC CMD...: ok if CMD succeeds; its output becomes diagnostics on failure
check() {
	local desc=$1 rc
	shift
	"$@" >"$TMP/check.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc"; diag "exit $rc: $*"; diag_file "$TMP/check.out"; fi
	return $rc
}

ktap_end() {
	echo "1..$_n"
	if [ $_skip -gt 0 ]; then
		echo "# $_suite: $_pass passed, $_fail failed, $_skip skipped"
	else
		echo "# $_suite: $_pass passed, $_fail failed"
	fi
	[ $_fail -eq 0 ]
}

# surface PREFIX FILE: turn every KTAP "ok N - x" / "not ok N - x" line of
# FILE (another program's output) into one result of this suite; its
# "#" diagnostic lines are passed through, indented.
# Prints the number of lines surfaced in $TMP/surfaced.
surface() {
	local prefix=$1 file=$2 line desc cnt=0
	while IFS= read -r line; do
		line=$(echo "$line" | sed 's/^[[:space:]]*//')
		case "$line" in
		"ok "[0-9]*|"not ok "[0-9]*) ;;
		"# Subtest:"*|"KTAP version"*) continue ;;
		"#"*) echo "#   ${line#\#}"; continue ;;
		*) continue ;;
		esac
		desc=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+( -)? ?//')
		cnt=$((cnt + 1))
		case "$line" in
		"not ok "*) not_ok "$prefix$desc" ;;
		*" # SKIP"*|*" # skip"*) skip "$prefix${desc%% # [Ss][Kk][Ii][Pp]*}" "${desc#* # [Ss][Kk][Ii][Pp]}" ;;
		*) ok "$prefix$desc" ;;
		esac
	done <"$file"
	echo $cnt >"$TMP/surfaced"
}

vmm_loaded() { grep -q '^vmm ' /proc/modules; }

# load vmm.ko unless loaded; 0 on success
ensure_vmm() {
	vmm_loaded && return 0
	[ -f "$VMM_KO" ] || { diag "$VMM_KO missing (module not built?)"; return 1; }
	# shellcheck disable=SC2086
	insmod "$VMM_KO" $VMM_MODARGS >"$TMP/insmod.out" 2>&1 || { diag_file "$TMP/insmod.out"; dmesg | tail -n 20 | sed 's/^/# dmesg: /'; return 1; }
	# devtmpfs creates the node asynchronously
	local i=0
	while [ ! -c /dev/vmm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	# where it sits, for reading a hung host's RIP (qemu-amd.sh's monitor)
	diag "vmm.ko .text at $(cat /sys/module/vmm/sections/.text 2>/dev/null)"
	[ -c /dev/vmm ]
}

# uptime in centiseconds, without forking
now_cs() { read -r _up _idle </proc/uptime; _s=${_up%.*}; _c=${_up#*.}; echo $((_s * 100 + ${_c#0})); }
# stamp: copy stdin to stdout, each line prefixed with now_cs
stamp() { while IFS= read -r _l; do echo "$(now_cs) $_l"; done; }
# at MARKER FILE: the timestamp of the first line containing MARKER
at() { grep -a -m1 -- "$1" "$2" | cut -d' ' -f1; }

# run_to OUT ERR CMD...: run CMD with a timeout, stdout/stderr to files; returns its status
run_to() {
	local o=$1 e=$2
	shift 2
	timeout "$CMD_TIMEOUT" "$@" >"$o" 2>"$e"
}

payload() { echo "$PAYLOADS/$1"; }

# guest_says MARKER FILE: what the guest's first "MARKER" line says after
# it, less a kernel message the serial console printed into the same line
# ("kvm-clock[    6.56] integrity: ...": /init's echo and a printk share it)
guest_says() {
	grep -a -m1 -- "$1" "$2" | sed "s/.*$1 *//; s/\[ *[0-9]*\.[0-9]*\].*//" | tr -d '\r'
}

# dmesg_clean: 0 if the kernel log has no bug reports; prints offenders
# (only messages after the boot, whose line count /init saved in /run/dmesg.base)
dmesg_new() { dmesg | tail -n +$(($(cat /run/dmesg.base 2>/dev/null || echo 0) + 1)); }
# (BUG covers "BUG: sleeping function called from invalid context" and
# "BUG: scheduling while atomic", also rtcheck.ko's on PREEMPT_RT hosts)
dmesg_clean() {
	dmesg_new | grep -E 'BUG|WARNING|Oops|general protection|Call Trace|kernel BUG|UBSAN|KASAN|refcount_t|list_add corruption|list_del corruption|RCU stall|stall on CPU|soft lockup|hung_task|sleeping function called|scheduling while atomic|sleeping lock in atomic' >"$TMP/dmesg.bad"
	[ ! -s "$TMP/dmesg.bad" ]
}

# live_vms: number of live VMs (via VMM_LIST_VMS), or empty if unknown
live_vms() {
	[ -x "$ABI_TEST" ] && "$ABI_TEST" --count-vms 2>/dev/null
}
