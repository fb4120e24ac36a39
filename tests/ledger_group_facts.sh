#!/bin/sh
# The writer learns what the checks need of a record (a party's key and
# roles, a batch's chemical, a sale's batch and buyer) as it appends it, and
# later records of the same commit group are judged on what it learnt.  The
# same records, one process each (every fact read back from the ledger),
# must get exactly the same results.
. "$(dirname "$0")/lib.sh"
K=$FIX/keys
L=$TMP/ledger
build_world "$L"
cp -r "$L" "$TMP/one"
cp -r "$L" "$TMP/each"

cl keygen -o "$TMP/HN-DIST-017.2.pem" > "$TMP/k2.pub"
K2=$(cat "$TMP/k2.pub")
T='"time":"2024-12-19T08:00:00Z"'
REG=$(grep '"party":"HN-DIST-017"' "$FIX/world/scenario.jsonl" | head -n 1 |
	sed "s/\"id\":\"party-HN-DIST-017\"/\"id\":\"party-HN-DIST-017-rekey\"/; s/\"time\":\"[^\"]*\"/$T/; s|\"key\":\"[^\"]*\"|\"key\":\"$K2\"|")
BATCH="{\"type\":\"batch\",\"id\":\"B-NEWFACT-01\",$T,\"signer\":\"SD-PROD-003\",\"batch\":\"NEWFACT-01\",\"cas\":\"108-24-7\",\"quantity\":\"500.000\",\"uom\":\"LTR\",\"origin\":\"production\"}"
SALE="{\"type\":\"sale\",\"id\":\"S-NEWFACT-01\",$T,\"signer\":\"SD-PROD-003\",\"batch\":\"NEWFACT-01\",\"buyer\":\"HN-DIST-017\",\"quantity\":\"100.000\",\"uom\":\"LTR\",\"buyer_licence\":\"HN-BUY-2024-1565\",\"carrier\":\"HN-HAZ-004\"}"
SALE_KG=$(printf '%s' "$SALE" | sed 's/S-NEWFACT-01/S-NEWFACT-02/; s/"uom":"LTR"/"uom":"KGM"/')
HANDOFF="{\"type\":\"handoff\",\"id\":\"H-NEWFACT-01\",$T,\"signer\":\"HN-DIST-017\",\"sale\":\"S-NEWFACT-01\",\"quantity\":\"60.000\",\"uom\":\"LTR\"}"
HANDOFF_OLD=$(printf '%s' "$HANDOFF" | sed 's/H-NEWFACT-01/H-NEWFACT-02/')
CHECK="{\"type\":\"check\",\"id\":\"K-NEWFACT-01\",$T,\"signer\":\"HN-POLICE-NCB\",\"sale\":\"S-NEWFACT-01\",\"quantity\":\"100.000\",\"uom\":\"LTR\",\"location\":\"G4 expressway, Hengyang\",\"seal\":\"intact\"}"
HANDOFF_OTHER=$(printf '%s' "$HANDOFF" | sed 's/H-NEWFACT-01/H-NEWFACT-03/; s/"signer":"HN-DIST-017"/"signer":"GD-DIST-021"/; s/"quantity":"60.000"/"quantity":"40.000"/')
{
	printf '%s\n' "$REG" | cl sign -k "$K/MPS-NCC.pem"
	printf '%s\n' "$BATCH" "$SALE" "$SALE_KG" | cl sign -k "$K/SD-PROD-003.pem"
	printf '%s\n' "$HANDOFF" | cl sign -k "$TMP/HN-DIST-017.2.pem"
	printf '%s\n' "$HANDOFF_OLD" | cl sign -k "$K/HN-DIST-017.pem"
	printf '%s\n' "$CHECK" | cl sign -k "$K/HN-POLICE-NCB.pem"
	printf '%s\n' "$HANDOFF_OTHER" | cl sign -k "$K/GD-DIST-021.pem"
} > "$TMP/in.jsonl"
eq "eight signed records" 8 "$(wc -l < "$TMP/in.jsonl")"

# One submit: one commit group.
cl submit -d "$TMP/one" "$TMP/in.jsonl" > "$TMP/one.out" 2> "$TMP/one.err"
eq "one group: exit 1 (two rejected)" 1 $?
# One submit per record.
: > "$TMP/each.out"
while IFS= read -r line; do
	printf '%s\n' "$line" | cl submit -d "$TMP/each" >> "$TMP/each.out" 2>> "$TMP/each.err"
done < "$TMP/in.jsonl"

# status, error code and warnings of each line, without seq, hash and line number
verdicts() { sed 's/"line":[0-9]*,//; s/"seq":[0-9]*,//; s/"hash":"[0-9a-f]*",\{0,1\}//' "$1"; }
eq "the same verdicts in one group as one by one" "$(verdicts "$TMP/each.out")" "$(verdicts "$TMP/one.out")"
# warnings (stderr) name the line within its input: compare without it
warnings() { grep 'warning:' "$1" | sed 's/line [0-9]* //'; }
eq "the same warnings in one group as one by one" "$(warnings "$TMP/each.err")" "$(warnings "$TMP/one.err")"

v() { sed -n "${1}p" "$TMP/one.out"; }
contains "the new key registered" '"status":"appended"' "$(v 1)"
contains "the new batch" '"status":"appended"' "$(v 2)"
contains "a sale of it, in the batch's unit" '"status":"appended"' "$(v 3)"
contains "a sale of it by mass: its chemical is measured by volume" '"error":"WRONG_MEASURE"' "$(v 4)"
contains "the buyer's handoff under its new key" '"status":"appended"' "$(v 5)"
contains "... and not under the old one" '"error":"BAD_SIGNATURE"' "$(v 6)"
contains "a check of the new sale" '"status":"appended"' "$(v 7)"
contains "a handoff by another party names the sale's buyer" \
	'line 8 (H-NEWFACT-03): warning: WRONG_RECEIVER: handoff signed by GD-DIST-021 but sale S-NEWFACT-01 was to HN-DIST-017' \
	"$(cat "$TMP/one.err")"
contains "... and is appended" '"status":"appended"' "$(v 8)"
cv -d "$TMP/one" > "$TMP/v" 2>&1
contains "chemverify: no errors" "0 errors" "$(tail -n 1 "$TMP/v")"
finish
