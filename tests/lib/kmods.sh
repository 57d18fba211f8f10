# SPDX-License-Identifier: GPL-2.0
# Sourced by the initramfs builders: copy kernel modules with their
# dependencies, decompressed (busybox insmod reads plain .ko only).
#
#   kmods_reset
#   kmods_add DESTDIR NAME...   copies NAME and what it depends on, once
#   "${kmods_order[@]}"         base names in load order (dependencies first)
#
# Needs KVER (the kernel whose modules to take) and a warn function; KROOT
# is the root its modules are under (default /).

kmods_reset() {
	declare -gA kmods_seen=()
	kmods_order=()
}

_kmods_find() { # NAME -> path of the module file or empty
	modinfo -b "${KROOT:-/}" -k "$KVER" -n "$1" 2>/dev/null ||
		find "${KROOT:-}/lib/modules/$KVER/kernel" -name "$1.ko*" -print -quit 2>/dev/null
}

_kmods_one() { # DESTDIR NAME
	local dest=$1 name=${2//_/-} alt=${2//-/_} path dep base
	[ -n "${kmods_seen[$alt]:-}" ] && return 0
	kmods_seen[$alt]=1
	path=$(_kmods_find "$name")
	[ -n "$path" ] && [ -f "$path" ] || path=$(_kmods_find "$alt")
	if [ -z "$path" ] || [ ! -f "$path" ]; then
		warn "kernel module $2 not found for $KVER"
		return 0
	fi
	for dep in $(modinfo -F depends "$path" 2>/dev/null | tr ',' ' '); do
		_kmods_one "$dest" "$dep"
	done
	base=$(basename "$path"); base=${base%%.ko*}
	case "$path" in
	*.ko.xz) xz -dc "$path" >"$dest/$base.ko" ;;
	*.ko.zst) zstd -qdc "$path" >"$dest/$base.ko" ;;
	*.ko.gz) gzip -dc "$path" >"$dest/$base.ko" ;;
	*) cp "$path" "$dest/$base.ko" ;;
	esac
	kmods_order+=("$base")
}

kmods_add() { # DESTDIR NAME...
	local dest=$1 m
	shift
	mkdir -p "$dest"
	for m in "$@"; do _kmods_one "$dest" "$m"; done
}
