#!/bin/sh
# Full disk: a ledger on a 1 MiB tmpfs takes records until the space runs
# out.  submit then fails with one clear error naming the cause (exit 2);
# every acknowledged record is there, the chain verifies, and once there is
# room the same input completes.  Needs root (mount); says SKIP otherwise.
. "$(dirname "$0")/lib.sh"
D=$TMP/disk
mkdir -p "$D"
if ! mount -t tmpfs -o size=1m,mode=0700 tmpfs "$D" 2>/dev/null; then
	echo "SKIP: cannot mount a tmpfs here (not root?)"
	finish
	exit $?
fi
trap 'umount "$D" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
"$FIX/scale-world.sh" 3000 "$ROOT/bin/chemledger" > "$TMP/in.jsonl"
L=$D/ledger
CHEMLEDGER_MAP_SIZE=262144 cl init -d "$L" --name full --authority MPS-NCC \
	--authority-key "$(cl pubkey -k "$FIX/keys/MPS-NCC.pem")" --time 2024-01-01T00:00:00Z > /dev/null
# Feed slowly enough for several groups, so some are acknowledged first.
awk '{ print; if (NR % 200 == 0) system("sleep 0.02") }' "$TMP/in.jsonl" |
	cl submit -d "$L" > "$TMP/out" 2> "$TMP/err"
eq "submit on a full disk exits 2" 2 $?
contains "the error names the cause" "no space left" "$(cat "$TMP/err")"
eq "one error line" 1 "$(grep -c -v "^==[0-9]*==" "$TMP/err")" # valgrind may add its own
acked=$(grep -c '"status":"appended"' "$TMP/out")
ok "some records were acknowledged before the disk filled ($acked)" test "$acked" -gt 0
ok "not all of them fit" test "$acked" -lt 3000
eq "the ledger holds exactly the acknowledged records" "$((acked + 1))" "$(cl log -d "$L" | wc -l | tr -d ' ')"
cv -d "$L" --json > "$TMP/v" 2>&1
case "$(cat "$TMP/v")" in
*'"severity":"error"'*) _fail "integrity errors after the full disk" ;;
*"\"entries\":$((acked + 1))"*) _pass ;;
*) _fail "verify after full disk: $(head -c 300 "$TMP/v")" ;;
esac
mount -o remount,size=16m "$D"
cl submit -d "$L" "$TMP/in.jsonl" > "$TMP/out2" 2> "$TMP/err2"
eq "with room again, submit completes" 0 $?
eq "acknowledged ones come back as duplicates" "$acked" "$(grep -c '"status":"duplicate"' "$TMP/out2")"
eq "the rest is appended" "$((3000 - acked))" "$(grep -c '"status":"appended"' "$TMP/out2")"
finish
