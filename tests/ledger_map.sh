#!/bin/sh
# The LMDB map grows by itself: a ledger created with a 256 KiB map takes
# 3,000 records (about 1.8 MB) without a hitch, nothing lost, nothing twice.
. "$(dirname "$0")/lib.sh"
L=$TMP/ledger
CHEMLEDGER_MAP_SIZE=262144 cl init -d "$L" --name small --authority MPS-NCC \
	--authority-key "$(cl pubkey -k "$FIX/keys/MPS-NCC.pem")" --time 2024-01-01T00:00:00Z > /dev/null
eq "initial map is 256 KiB" 262144 "$(mdb_stat -e "$L" | sed -n 's/.*Map size: //p')"
"$FIX/scale-world.sh" 3000 "$ROOT/bin/chemledger" > "$TMP/in.jsonl"
cl submit -d "$L" "$TMP/in.jsonl" > "$TMP/out.jsonl"
eq "submit exit status" 0 $?
eq "all 3000 appended" 3000 "$(grep -c '"status":"appended"' "$TMP/out.jsonl")"
map=$(mdb_stat -e "$L" | sed -n 's/.*Map size: //p')
ok "map grew past its first size (now $map)" test "$map" -gt 262144
eq "head is entry 3000" '{"seq":3000,' "$(cl head -d "$L" | cut -c1-12)"
eq "3001 entries in the log" 3001 "$(cl log -d "$L" | wc -l | tr -d ' ')"
cl submit -d "$L" "$TMP/in.jsonl" > "$TMP/again.jsonl"
eq "resubmit: all duplicate" 3000 "$(grep -c '"status":"duplicate"' "$TMP/again.jsonl")"
eq "resubmit: head unchanged" '{"seq":3000,' "$(cl head -d "$L" | cut -c1-12)"
if [ -x "$ROOT/bin/chemverify" ]; then
	cv -d "$L" --json > "$TMP/v.json"
	case "$(cat "$TMP/v.json")" in
	*'"severity":"error"'*) _fail "verifier finds integrity errors after map growth" ;;
	*'"entries":3001'*) _pass ;;
	*) _fail "verifier did not read 3001 entries" ;;
	esac
fi
finish
