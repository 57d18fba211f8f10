#!/bin/bash
# Packaging on the build machine (KTAP), issue 13 item 5: make install /
# uninstall under DESTDIR and PREFIX, vmmctl help against the man page, the
# README and the bash completion, DKMS (make dkms-install in a scratch DKMS
# tree, against the installed headers), the Debian packages (make deb,
# lintian) and their installation on this machine (dpkg -i: DKMS builds
# and installs vmm.ko, group vmm, udev rule; then dpkg --purge).
#
# No module is loaded here: the in-host half (tests/integration/install.sh)
# loads the DKMS-built vmm.ko kept in out/dkms/. Last line:
#   # packaging: N passed, N failed[, N skipped]
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -n1)}
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
tmp=$(mktemp -d /tmp/vmm-packaging.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
log=$top/out/logs/packaging-detail.log
mkdir -p "$top/out/logs"
: >"$log"

n=0; pass=0; fail=0; skipped=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { # DESC CMD...: ok if CMD succeeds (its output in the detail log)
	local d=$1
	shift
	if "$@" >>"$log" 2>&1; then ok "$d"; else notok "$d"; echo "# see $log"; fi
}

echo "KTAP version 1"
echo "# Subtest: packaging"

# --- make install / uninstall -------------------------------------------
files_usr="usr/bin/vmmctl usr/share/man/man1/vmmctl.1 usr/share/bash-completion/completions/vmmctl
usr/lib/udev/rules.d/60-vmm.rules usr/lib/modules-load.d/vmm.conf"
make -s vmmctl >>"$log" 2>&1
check "make install DESTDIR PREFIX=/usr" make -s install DESTDIR="$tmp/d1" PREFIX=/usr
all=1
for f in $files_usr; do [ -f "$tmp/d1/$f" ] || { echo "# missing $f"; all=0; }; done
[ "$(stat -c %a "$tmp/d1/usr/bin/vmmctl" 2>/dev/null)" = 755 ] || all=0
[ $all = 1 ] && ok "install: tool, man page, completion, udev rule, modules-load entry" ||
	notok "install: tool, man page, completion, udev rule, modules-load entry"
if grep -q 'KERNEL=="vmm"' "$tmp/d1/usr/lib/udev/rules.d/60-vmm.rules" &&
   grep -q 'GROUP="vmm"' "$tmp/d1/usr/lib/udev/rules.d/60-vmm.rules" &&
   grep -q 'MODE="0660"' "$tmp/d1/usr/lib/udev/rules.d/60-vmm.rules" &&
   grep -qx vmm "$tmp/d1/usr/lib/modules-load.d/vmm.conf"; then
	ok "install: udev gives /dev/vmm to group vmm, 0660; modules-load names vmm"
else
	notok "install: udev gives /dev/vmm to group vmm, 0660; modules-load names vmm"
fi
check "installed vmmctl runs (version)" "$tmp/d1/usr/bin/vmmctl" version
make -s uninstall DESTDIR="$tmp/d1" PREFIX=/usr >>"$log" 2>&1
left=$(find "$tmp/d1" -type f | wc -l)
[ "$left" = 0 ] && ok "make uninstall removes every installed file" ||
	notok "make uninstall removes every installed file ($left left)"
make -s install DESTDIR="$tmp/d2" >>"$log" 2>&1
[ -x "$tmp/d2/usr/local/bin/vmmctl" ] && [ -f "$tmp/d2/usr/local/lib/udev/rules.d/60-vmm.rules" ] &&
	ok "make install: PREFIX defaults to /usr/local" ||
	notok "make install: PREFIX defaults to /usr/local"

# --- vmmctl help = man page = README = completion -------------------------
v=vmmctl/vmmctl man=vmmctl/vmmctl.1 comp=packaging/vmmctl.bash-completion
cmds=$($v help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ {print $1}' | tr '\n' ' ')
[ "$cmds" = "run stat top balloon limit vdi version help " ] && ok "vmmctl help lists run stat top balloon limit vdi version help" ||
	notok "vmmctl help lists run stat top balloon limit vdi version help (got '$cmds')"
grep -q "^  run      run a flat binary" <<<"$($v help)" && notok "vmmctl help still calls run 'a flat binary' only" ||
	ok "vmmctl help: run is a PC or a flat binary"
miss=
for c in $cmds; do
	grep -q "^\.B $c\$" "$man" || miss+=" man:$c"
	grep -q "^    vmmctl $c" README.md || miss+=" README:$c"
	grep -q "cmds=.*\b$c\b" "$comp" || miss+=" completion:$c"
done
[ -z "$miss" ] && ok "every command in the man page, the README and the completion" ||
	notok "every command in the man page, the README and the completion (missing$miss)"
miss=
# (run's options; json, interval and iterations are stat's and top's; the
# help is read once: grep -q on a pipe would SIGPIPE vmmctl under pipefail)
helprun=$($v help run)
for o in $(sed -n 's/^\t\t{ "\([a-z-]*\)", .*/\1/p' vmmctl/main.c | sort -u | grep -vxE 'json|interval|iterations'); do
	grep -q -- "--$o\b" <<<"$helprun" || miss+=" help:--$o"
	grep -q -- "\\\\-\\\\-${o//-/\\\\-}" "$man" || miss+=" man:--$o"
	grep -q -- "--$o\b" "$comp" || miss+=" completion:--$o"
done
[ -z "$miss" ] && ok "every run option in vmmctl help run, the man page and the completion" ||
	notok "every run option in vmmctl help run, the man page and the completion (missing$miss)"
miss=
for s in 70 "128+N" "port 0xf4"; do
	$v --help | grep -qF "$s" || miss+=" help:$s"
	grep -qF "$s" "$man" || miss+=" man:$s"
	grep -qF "$s" README.md || miss+=" README:$s"
done
grep -q "multiboot" README.md || miss+=" README:multiboot"
grep -q "PVH" README.md || miss+=" README:PVH"
grep -q "multiboot" <<<"$helprun" || miss+=" help:multiboot"
[ -z "$miss" ] && ok "exit statuses and --kernel formats agree (help, man page, README)" ||
	notok "exit statuses and --kernel formats agree (missing$miss)"
w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man" 2>&1 >/dev/null)
[ -z "$w" ] && ok "man page formats without groff warnings" || { notok "man page formats without groff warnings"; echo "$w" | sed 's/^/# /'; }

# bash completion, driven as bash would
if [ -r /usr/share/bash-completion/bash_completion ]; then
	comp_try() { # WORDS...: completions of the last word
		bash -c 'source /usr/share/bash-completion/bash_completion; source "$0"
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_vmmctl vmmctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
			printf "%s\n" "${COMPREPLY[@]}"' "$comp" "$@" 2>>"$log" | sort | tr '\n' ' '
	}
	mkdir -p "$tmp/c" && touch "$tmp/c/bzImage" "$tmp/c/mod1"
	r1=$(comp_try vmmctl "")
	r2=$(comp_try vmmctl run --ker)
	r3=$(comp_try vmmctl run --kernel "$tmp/c/bz")
	r4=$(comp_try vmmctl run --initrd "$tmp/c/bzImage,$tmp/c/mo")
	r5=$(comp_try vmmctl run --boot "")
	r6=$(comp_try vmmctl vdi c)
	echo "# completions: [$r1] [$r2] [$r3] [$r4] [$r5] [$r6]"
	[[ "$r1" == *"run "*"stat "*"vdi "*"version "* && "$r2" == "--kernel " &&
	   "$r3" == "$tmp/c/bzImage " && "$r4" == "$tmp/c/bzImage,$tmp/c/mod1 " &&
	   "$r5" == "cd disk " && "$r6" == "check compact create " ]] &&
		ok "bash completion: commands, options, files, module lists, --boot, vdi" ||
		notok "bash completion: commands, options, files, module lists, --boot, vdi"
else
	skip "bash completion" "bash-completion not installed"
fi

# --- DKMS: make dkms-install in a scratch tree, for the installed headers ---
if command -v dkms >/dev/null && [ -e "/lib/modules/$KVER/build/Makefile" ]; then
	d=$tmp/dkms
	mkdir -p "$d/tree" "$d/inst/$KVER"
	DK="dkms --dkmstree $d/tree --sourcetree $d/root/usr/src --installtree $d/inst"
	check "make dkms-install (dkms add, build, install for $KVER)" \
		make dkms-install DESTDIR="$d/root" DKMS="$DK" DKMS_KERNELS="$KVER"
	ko=$d/inst/$KVER/updates/dkms/vmm.ko
	if [ -f "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$KVER "; then
		ok "DKMS installed vmm.ko for $KVER in updates/dkms"
	else
		notok "DKMS installed vmm.ko for $KVER in updates/dkms"
	fi
	$DK status 2>>"$log" | grep -q "vmm/$VERSION, $KVER, .*: installed" &&
		ok "dkms status: vmm/$VERSION installed for $KVER" ||
		notok "dkms status: vmm/$VERSION installed for $KVER"
	check "make dkms-remove" make dkms-remove DESTDIR="$d/root" DKMS="$DK"
	[ ! -e "$ko" ] && [ ! -e "$d/root/usr/src/vmm-$VERSION" ] &&
		ok "dkms-remove: module and source gone" || notok "dkms-remove: module and source gone"
else
	skip "make dkms-install" "no dkms or no headers for $KVER"
fi

# --- Debian packages --------------------------------------------------
if command -v dpkg-buildpackage >/dev/null && command -v lintian >/dev/null; then
	check "make deb (dpkg-buildpackage from a copy of the tree)" make deb
	debs=$(ls out/deb/vmm-dkms_"$VERSION"_all.deb out/deb/vmmctl_"$VERSION"_*.deb 2>/dev/null | wc -l)
	[ "$debs" = 2 ] && ok "packages vmm-dkms and vmmctl built" || notok "packages vmm-dkms and vmmctl built"
	dpkg-deb -c out/deb/vmmctl_"$VERSION"_*.deb >"$tmp/c-vmmctl" 2>/dev/null
	dpkg-deb -c out/deb/vmm-dkms_"$VERSION"_all.deb >"$tmp/c-dkms" 2>/dev/null
	miss=
	for f in usr/bin/vmmctl usr/share/man/man1/vmmctl.1.gz usr/share/bash-completion/completions/vmmctl \
		 lib/udev/rules.d/60-vmm.rules; do
		grep -q "\./$f\$" "$tmp/c-vmmctl" || miss+=" vmmctl:$f"
	done
	for f in usr/src/vmm-$VERSION/dkms.conf usr/src/vmm-$VERSION/module/Kbuild usr/src/vmm-$VERSION/uapi/vmm.h \
		 usr/lib/modules-load.d/vmm.conf; do
		grep -q "\./$f\$" "$tmp/c-dkms" || miss+=" vmm-dkms:$f"
	done
	dpkg-deb -f out/deb/vmm-dkms_"$VERSION"_all.deb Depends | grep -q dkms || miss+=" vmm-dkms:Depends-dkms"
	[ -z "$miss" ] && ok "package contents (tool, man page, completion, udev rule; DKMS source, modules-load)" ||
		notok "package contents (missing$miss)"
	lint=$(grep -cE '^[EW]: ' out/deb/lintian.log)
	[ "$lint" = 0 ] && ok "lintian: no errors or warnings" ||
		{ notok "lintian: $lint errors/warnings"; grep -E '^[EW]: ' out/deb/lintian.log | sed 's/^/# /'; }
else
	skip "make deb" "no dpkg-buildpackage or lintian"
fi

# --- the packages installed on this machine (then purged) ---------------
if [ "$(id -u)" = 0 ] && [ -f out/deb/vmm-dkms_"$VERSION"_all.deb ] && command -v dkms >/dev/null &&
   ! dpkg-query -W vmm-dkms >/dev/null 2>&1; then
	check "dpkg -i vmm-dkms vmmctl" dpkg -i out/deb/vmm-dkms_"$VERSION"_all.deb out/deb/vmmctl_"$VERSION"_*.deb
	ko=/lib/modules/$KVER/updates/dkms/vmm.ko
	[ -f "$ko" ] && dkms status vmm 2>>"$log" | grep -q "$KVER.*installed" &&
		ok "installed package: DKMS built vmm.ko for $KVER in updates/dkms" ||
		notok "installed package: DKMS built vmm.ko for $KVER in updates/dkms"
	# the in-host test loads it from the same place (tests/integration/install.sh)
	if [ -f "$ko" ]; then
		mkdir -p "out/dkms/$KVER/updates/dkms" && cp "$ko" "out/dkms/$KVER/updates/dkms/vmm.ko"
	fi
	getent group vmm >/dev/null && [ -f /lib/udev/rules.d/60-vmm.rules ] &&
		[ -f /usr/lib/modules-load.d/vmm.conf ] && /usr/bin/vmmctl version >>"$log" 2>&1 &&
		man -w vmmctl >>"$log" 2>&1 &&
		ok "installed package: group vmm, udev rule, modules-load entry, vmmctl and its man page" ||
		notok "installed package: group vmm, udev rule, modules-load entry, vmmctl and its man page"
	check "dpkg --purge vmmctl vmm-dkms" dpkg --purge vmmctl vmm-dkms
	[ ! -e "$ko" ] && [ ! -e /usr/bin/vmmctl ] && [ ! -e /usr/src/vmm-"$VERSION" ] &&
		! dkms status vmm 2>/dev/null | grep -q . &&
		ok "purged: module, tool and DKMS source gone" || notok "purged: module, tool and DKMS source gone"
else
	skip "dpkg -i of the packages" "not root, no packages, no dkms, or vmm-dkms already installed"
fi

echo "1..$n"
if [ $skipped -gt 0 ]; then
	echo "# packaging: $pass passed, $fail failed, $skipped skipped"
else
	echo "# packaging: $pass passed, $fail failed"
fi
[ $fail = 0 ]
