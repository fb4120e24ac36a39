#!/bin/sh
# Runs every test: the cmocka unit tests (build/tests/test_*) and the
# scenario scripts (tests/*.sh but lib.sh).  Ends with one line
# "tests: N passed, M failed" and exits 1 if anything failed.
cd "$(dirname "$0")/.." || exit 2
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
vg=""
[ "${CL_VALGRIND:-0}" = 1 ] && vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	$vg "$t" > "$log" 2>&1
	rc=$?
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	[ "$f" -ne 0 ] && cat "$log"
	echo "$(basename "$t"): $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
for t in tests/*.sh; do
	case "$(basename "$t")" in lib.sh | run.sh) continue ;; esac
	sh "$t" > "$log" 2>&1
	rc=$?
	grep -v ' passed, [0-9]* failed$' "$log" | grep '^FAIL' || true
	line=$(grep ' passed, [0-9]* failed$' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; tail -n 20 "$log"; fi
	echo "$(basename "$t" .sh): $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]
