#!/bin/sh
# Concurrency: three `chemledger submit` processes push the same 3,000
# records into one ledger at once while readers (head, trail, get,
# chemverify -d) run throughout.  Every record is appended exactly once (the
# others answer "duplicate"), no reader ever fails or sees a broken chain.
. "$(dirname "$0")/lib.sh"
N=3000
unset CHEMLEDGER_TIME
"$FIX/scale-world.sh" "$N" "$ROOT/bin/chemledger" > "$TMP/in.jsonl"
L=$TMP/ledger
cl init -d "$L" --name concurrent --authority MPS-NCC \
	--authority-key "$(cl pubkey -k "$FIX/keys/MPS-NCC.pem")" --time 2024-01-01T00:00:00Z > /dev/null
# Feed each writer in small pieces so that the three really interleave.
for w in 1 2 3; do
	(awk '{ print; if (NR % 50 == 0) system("sleep 0.01") }' "$TMP/in.jsonl" |
		"$ROOT/bin/chemledger" submit -d "$L" > "$TMP/w$w.out" 2> "$TMP/w$w.err"
	echo $? > "$TMP/w$w.rc") &
done
reads=0
readfail=0
while [ ! -f "$TMP/w1.rc" ] || [ ! -f "$TMP/w2.rc" ] || [ ! -f "$TMP/w3.rc" ]; do
	reads=$((reads + 1))
	cl head -d "$L" > "$TMP/h" 2>&1 || { readfail=$((readfail + 1)); echo "head failed: $(cat "$TMP/h")"; }
	cl trail -d "$L" AA-240415-02 > /dev/null 2> "$TMP/t"
	[ $? -le 1 ] || { readfail=$((readfail + 1)); echo "trail failed: $(cat "$TMP/t")"; }
	cl get -d "$L" 0 > /dev/null 2>&1 || { readfail=$((readfail + 1)); echo "get failed"; }
	if [ -x "$ROOT/bin/chemverify" ] && [ $((reads % 3)) = 0 ]; then
		cv -d "$L" --json > "$TMP/v" 2>&1
		rc=$?
		if [ $rc -gt 1 ] || grep -q '"severity":"error"' "$TMP/v"; then
			readfail=$((readfail + 1))
			echo "chemverify during writes: exit $rc: $(head -c 300 "$TMP/v")"
		fi
	fi
done
wait
for w in 1 2 3; do
	eq "writer $w exit status" 0 "$(cat "$TMP/w$w.rc")"
	eq "writer $w: a result for every line" "$N" "$(grep -c '"status":"\(appended\|duplicate\)"' "$TMP/w$w.out")"
done
eq "readers never failed ($reads rounds)" 0 "$readfail"
for w in 1 2 3; do echo "writer $w appended $(grep -c "\"status\":\"appended\"" "$TMP/w$w.out")"; done
cat "$TMP"/w?.out | grep '"status":"appended"' | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort > "$TMP/appended"
eq "each record appended exactly once" "$N" "$(sort -u "$TMP/appended" | wc -l | tr -d ' ')"
eq "no record appended twice" "$N" "$(wc -l < "$TMP/appended" | tr -d ' ')"
eq "ledger holds genesis + N" "$((N + 1))" "$(cl log -d "$L" | wc -l | tr -d ' ')"
if [ -x "$ROOT/bin/chemverify" ]; then
	cv -d "$L" --json > "$TMP/final" 2>&1
	case "$(cat "$TMP/final")" in
	*'"severity":"error"'*) _fail "final chain has integrity errors" ;;
	*"\"entries\":$((N + 1))"*) _pass ;;
	*) _fail "final verify: $(head -c 300 "$TMP/final")" ;;
	esac
fi
finish
