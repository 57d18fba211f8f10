#!/bin/sh
# Run each unit-test binary given as an argument (each prints one KTAP
# suite and "# N passed, N failed"), then print the summed totals.
pass=0; fail=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with $rc (crash or sanitizer report)"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
echo "# unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
