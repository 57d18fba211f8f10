#!/bin/sh
# Run every in-host suite (each prints KTAP and "# SUITE: P passed, F failed[, S skipped]")
# and print their sum as the last line:
#   # integration: P passed, F failed[, S skipped]
# A suite that crashes or prints no summary line counts as 1 failed.
# VMM_SUITES="module payloads" runs only those.
dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib.sh"
suites=${VMM_SUITES:-host module payloads security pc storage storage_hostile arbitrate trace disklat errors race memory balloon lifecycle coexist install}
P=0; F=0; S=0
for s in $suites; do
	case $s in host) f=hostcheck.sh ;; *) f=$s.sh ;; esac
	if [ ! -f "$dir/$f" ]; then
		echo "# $s: 0 passed, 1 failed"; echo "# $dir/$f missing"
		F=$((F + 1)); continue
	fi
	read -r u0 _ </proc/uptime
	{ sh "$dir/$f" 2>&1; echo $? >"$TMP/suite.rc"; } | tee "$TMP/suite.out"
	rc=$(cat "$TMP/suite.rc")
	# what each suite costs, for keeping CI short (the host's own clock)
	read -r u1 _ </proc/uptime
	echo "# timing: $s took $(awk "BEGIN { printf \"%.0f\", $u1 - $u0 }") s (test host clock, uptime ${u1%.*} s)"
	line=$(grep -E "^# $s: [0-9]+ passed, [0-9]+ failed" "$TMP/suite.out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "# suite $s printed no summary (exit $rc): counted as 1 failed"
		F=$((F + 1)); continue
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	k=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "# suite $s exited $rc with no failed test: counted as 1 failed"
		f=1
	fi
	P=$((P + p)); F=$((F + f)); S=$((S + ${k:-0}))
done
if [ $S -gt 0 ]; then
	echo "# integration: $P passed, $F failed, $S skipped"
else
	echo "# integration: $P passed, $F failed"
fi
[ $F -eq 0 ]
