#!/bin/sh
# Crash safety: `chemledger submit` is killed with SIGKILL at seeded random
# moments.  After every kill, every record whose result line was printed is
# in the ledger exactly once, the chain verifies (no integrity error), and
# resubmitting the whole input completes it: "duplicate" for what was there,
# nothing twice.  KILLS (default 20) kill points; `make stress` runs 120.
# SEED picks the moments (default 1): a failure names its seed and delay.
. "$(dirname "$0")/lib.sh"
KILLS=${KILLS:-20}
SEED=${SEED:-1}
N=${CRASH_RECORDS:-4000}
unset CHEMLEDGER_TIME # real receive times, as in production
"$FIX/scale-world.sh" "$N" "$ROOT/bin/chemledger" > "$TMP/in.jsonl"
cl init -d "$TMP/base" --name crash --authority MPS-NCC \
	--authority-key "$(cl pubkey -k "$FIX/keys/MPS-NCC.pem")" --time 2024-01-01T00:00:00Z > /dev/null
# A full run's duration sets the range of kill moments.
start=$(date +%s%N)
cp -r "$TMP/base" "$TMP/timing"
cl submit -d "$TMP/timing" "$TMP/in.jsonl" > /dev/null
span=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$span" -gt 0 ] || span=1
delays=$(awk -v s="$SEED" -v k="$KILLS" -v span="$span" 'BEGIN { srand(s); for (i = 0; i < k; i++) printf "%d ", int(rand() * span * 1.1) }')
i=0
acked_total=0
for d in $delays; do
	i=$((i + 1))
	L=$TMP/l$i
	rm -rf "$L"
	cp -r "$TMP/base" "$L"
	"$ROOT/bin/chemledger" submit -d "$L" "$TMP/in.jsonl" > "$TMP/out$i" 2>/dev/null &
	pid=$!
	sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Acknowledged: complete result lines printed before the kill.
	grep '"status":"appended"' "$TMP/out$i" | grep '}$' | sed 's/.*"id":"\([^"]*\)".*"seq":\([0-9]*\).*/\1 \2/' > "$TMP/acked$i"
	acked=$(wc -l < "$TMP/acked$i" | tr -d ' ')
	acked_total=$((acked_total + acked))
	cl log -d "$L" | sed -n 's/.*"seq":\([0-9]*\),.*"record":{"type":"[a-z]*","id":"\([^"]*\)".*/\2 \1/p' > "$TMP/have$i"
	missing=$(sort "$TMP/acked$i" | comm -23 - "$(sort "$TMP/have$i" > "$TMP/have$i.s"; echo "$TMP/have$i.s")" | wc -l | tr -d ' ')
	eq "kill $i (seed $SEED, ${d}ms): acknowledged records lost" 0 "$missing"
	eq "kill $i: no record twice" "$(wc -l < "$TMP/have$i")" "$(sort -u -k1,1 "$TMP/have$i" | wc -l)"
	cv -d "$L" --json > "$TMP/v$i" 2>&1
	case "$(cat "$TMP/v$i")" in
	*'"severity":"error"'*) _fail "kill $i: chain has integrity errors after the kill" ;;
	*'"entries":'*) _pass ;;
	*) _fail "kill $i: chemverify gave no report: $(head -c 200 "$TMP/v$i")" ;;
	esac
	cl submit -d "$L" "$TMP/in.jsonl" > "$TMP/re$i"
	eq "kill $i: resubmit appends the rest" "$N" "$(grep -c '"status":"\(appended\|duplicate\)"' "$TMP/re$i")"
	eq "kill $i: resubmit sees the acknowledged ones as duplicates" "$acked" \
		"$(awk 'NR == FNR { a[$1] = 1; next } /"status":"duplicate"/ { match($0, /"id":"[^"]*"/); id = substr($0, RSTART + 6, RLENGTH - 7); if (id in a) n++ } END { print n + 0 }' "$TMP/acked$i" "$TMP/re$i")"
	eq "kill $i: complete ledger" "{\"seq\":$N," "$(cl head -d "$L" | cut -d, -f1),"
	rm -rf "$L"
done
echo "crash: $KILLS kill points over ${span}ms runs, $acked_total acknowledged records checked"
finish
