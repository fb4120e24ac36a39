#!/bin/sh
# tests/verify_world.sh - chemverify against the demo world (fixtures/world):
# the exact planted findings from LMDB and from an export, --jobs, --batch,
# --as-of/--open-days edges, tampered chains (altered, cut, deleted,
# reordered, replayed and undecodable entries) and usage errors.
. "$(dirname "$0")/lib.sh"

T=$(printf '\t')
L=$TMP/ledger

# The findings of a --json report as lines "CODE<TAB>severity<TAB>seq<TAB>id<TAB>batch"
# (null printed as "null").  Ids and batch ids never hold a quote, and quotes
# inside messages are escaped, so the pattern cannot match inside a message.
tsv() {
	grep -oE '\{"code":"[A-Z_]+","severity":"[a-z]+","seq":[0-9]+,"id":("[^"]*"|null),"batch":("[^"]*"|null)' |
		sed -E "s/^\\{\"code\":\"([A-Z_]+)\",\"severity\":\"([a-z]+)\",\"seq\":([0-9]+),\"id\":\"?([^,\"]*)\"?,\"batch\":\"?([^\"]*)\"?\$/\\1$T\\2$T\\3$T\\4$T\\5/"
}
# "CODE@seq" words of a --json report, in report order, on one line.
codes() {
	tsv | awk -F "$T" '{ printf "%s%s@%s", (NR > 1 ? " " : ""), $1, $3 } END { print "" }'
}
# The hex of a string (for editing mdb_dump output).
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}
# mdb_dump's key line of entry SEQ.
key() {
	printf ' %016x' "$1"
}
# A new LMDB environment holding only an "entries" database loaded from a dump.
load() {
	mkdir -m 700 "$2" && mdb_load -s entries -f "$1" "$2" 2>/dev/null
}

ok "build the demo world" build_world "$L"
head_json=$(cl head -d "$L")
head_hex=$(printf '%s' "$head_json" | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/')
eq "world head seq" '{"seq":368,' "$(printf '%s' "$head_json" | cut -c1-11)"

# ---- the full replay: exactly the planted findings -----------------------------

status "full replay exits 1 (alerts)" 1 cv -d "$L" --json
cv -d "$L" --json > "$TMP/full.json" 2> "$TMP/full.err"
eq "full replay: exactly the expected findings" "$(cat "$FIX/world/expected-findings.tsv")" "$(tsv < "$TMP/full.json")"
contains "entries counts genesis" '{"entries":369,' "$(cat "$TMP/full.json")"
contains "head is chemledger head's hash" "\"head\":\"$head_hex\"" "$(cat "$TMP/full.json")"
eq "nothing on stderr (not a terminal)" "" "$(cat "$TMP/full.err")"
contains "HANDOFF_MISMATCH message" '"message":"handoff H-HN-DIST-017-00115 of sale S-SD-PROD-003-00337 received 1880.000 LTR of the 2000.000 LTR sold: 120.000 LTR short' "$(cat "$TMP/full.json")"
contains "UNLICENSED_BUYER message names the licence and why" 'names buyer_licence HN-BUY-2023-3093: it expired on 2024-06-30T15:59:59Z"' "$(cat "$TMP/full.json")"

cl export -d "$L" -o "$TMP/world.export" >/dev/null
eq "export: same report as LMDB" "$(cat "$TMP/full.json")" "$(cv --export "$TMP/world.export" --json)"
eq "export from stdin: same report" "$(cat "$TMP/full.json")" "$(cv --export - --json < "$TMP/world.export")"
eq "--jobs 1 = --jobs 2 (LMDB)" "$(cv -d "$L" --json --jobs 1)" "$(cv -d "$L" --json --jobs 2)"
eq "--jobs 1 = --jobs 3 (export)" "$(cv --export "$TMP/world.export" --json --jobs 1)" \
	"$(cv --export "$TMP/world.export" --json --jobs 3)"
eq "--jobs 2 = default" "$(cat "$TMP/full.json")" "$(cv -d "$L" --json --jobs 2)"
eq "--ledger DIR" "$(cat "$TMP/full.json")" "$(cv --ledger "$L" --json)"
eq "CHEMLEDGER_DIR" "$(cat "$TMP/full.json")" "$(CHEMLEDGER_DIR=$L cv --json)"

cv -d "$L" > "$TMP/full.txt"
contains "text: summary line" "369 entries, head $head_hex: 0 errors, 3 alerts, 1 notice — NOT CLEAN" "$(cat "$TMP/full.txt")"
contains "text: one line per finding" "seq 224  K-HN-POLICE-NCB-20240705-02  CHECK_MISMATCH  check K-HN-POLICE-NCB-20240705-02 of sale" "$(cat "$TMP/full.txt")"
eq "text: grouped by severity" "Alerts (3):
Notices (1):" "$(grep -E '^[A-Z][a-z]+ \([0-9]+\):$' "$TMP/full.txt")"
eq "text: --jobs 1 = --jobs 2" "$(cv -d "$L" --jobs 1)" "$(cv -d "$L" --jobs 2)"

# ---- --as-of and --open-days: OPEN_SALE edges ----------------------------------

# S-JS-PROD-001-00519 was sold 2024-10-18T04:44:00Z; the default --as-of is the
# latest record time, 2024-12-19T06:10:00Z: 62 days and 86 minutes later.
eq "--open-days 62: still open" "HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342" \
	"$(cv -d "$L" --json --open-days 62 | codes)"
eq "--open-days 63: not yet" "HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229" \
	"$(cv -d "$L" --json --open-days 63 | codes)"
eq "--as-of exactly 30 days after the sale: not more than 30" "HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229" \
	"$(cv -d "$L" --json --as-of 2024-11-17T04:44:00Z | codes)"
eq "--as-of one second later: open" "HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342" \
	"$(cv -d "$L" --json --as-of 2024-11-17T12:44:01+08:00 | codes)"
contains "OPEN_SALE message" 'has no handoff 62 days later (as of 2024-12-19T06:10:00Z)' "$(cat "$TMP/full.json")"

# ---- --batch: one batch's trail -------------------------------------------------

cv -d "$L" --batch AA-240415-02 --json > "$TMP/b1.json"
status "--batch AA-240415-02 exits 1" 1 cv -d "$L" --batch AA-240415-02 --json
eq "--batch AA-240415-02: just the HANDOFF_MISMATCH" "HANDOFF_MISMATCH${T}alert${T}110${T}H-HN-DIST-017-00115${T}AA-240415-02" \
	"$(tsv < "$TMP/b1.json")"
contains "--batch keeps the SPEC object" "{\"entries\":369,\"head\":\"$head_hex\",\"findings\":[" "$(cat "$TMP/b1.json")"
eq "--batch from the export: same" "$(cat "$TMP/b1.json")" "$(cv --export "$TMP/world.export" --batch AA-240415-02 --json)"
eq "--batch: --jobs 1 = --jobs 2" "$(cv -d "$L" --batch AA-240415-02 --json --jobs 1)" \
	"$(cv -d "$L" --batch AA-240415-02 --json --jobs 2)"
eq "--batch AA-240701-03: the broken seal" "CHECK_MISMATCH@224" "$(cv -d "$L" --batch AA-240701-03 --json | codes)"
eq "--batch ANT-240513-01: the expired licence" "UNLICENSED_BUYER@229" "$(cv -d "$L" --batch ANT-240513-01 --json | codes)"
status "--batch MEK-240923-01: a notice only, exit 0" 0 cv -d "$L" --batch MEK-240923-01
eq "--batch MEK-240923-01: OPEN_SALE" "OPEN_SALE@342" "$(cv -d "$L" --batch MEK-240923-01 --json | codes)"
status "--batch of a clean batch exits 0" 0 cv -d "$L" --batch EPH-240118-01
eq "--batch of a clean batch: no finding" "{\"entries\":369,\"head\":\"$head_hex\",\"findings\":[]}" \
	"$(cv -d "$L" --batch EPH-240118-01 --json)"
cv -d "$L" --batch AA-240415-02 > "$TMP/b1.txt"
contains "--batch text: the trail" "Batch check of AA-240415-02: 15 entries, seq 107 to 214, in a chain of 369 entries." "$(cat "$TMP/b1.txt")"
contains "--batch text (ledger, read through its indexes): what it does not prove" "Only a full replay (chemverify without --batch, or --batch on an export)
proves the whole chain." "$(cat "$TMP/b1.txt")"
cv --export "$TMP/world.export" --batch AA-240415-02 > "$TMP/b2.txt"
contains "--batch text (export, whole chain read): what it does not prove" "Only a full replay (chemverify without
--batch) proves the whole chain." "$(cat "$TMP/b2.txt")"
contains "--batch text: balances" "  HN-DIST-017              1080.000 LTR" "$(cat "$TMP/b1.txt")"
contains "--batch text: balances" "  ZJ-PHARMA-031            3705.700 LTR" "$(cat "$TMP/b1.txt")"
contains "--batch text: summary" "0 errors, 1 alert, 0 notices — NOT CLEAN" "$(cat "$TMP/b1.txt")"
status "--batch of an unknown batch exits 1" 1 cv -d "$L" --batch NO-SUCH-BATCH
eq "--batch of an unknown batch: one line on stderr" "chemverify: no batch NO-SUCH-BATCH in the chain" \
	"$(cv -d "$L" --batch NO-SUCH-BATCH 2>&1 >/dev/null)"
eq "--batch of an unknown batch: nothing on stdout" "" "$(cv -d "$L" --batch NO-SUCH-BATCH --json 2>/dev/null)"

# ---- business rules the ledger records: every alert code -------------------------

cp -R "$L" "$TMP/biz"
cat > "$TMP/biz.tsv" <<'EOF'
NM-PROD-002	{"type":"sale","id":"X-S1","time":"2024-12-19T07:00:00Z","signer":"NM-PROD-002","batch":"EPH-240902-02","buyer":"GD-DIST-021","quantity":"300.000","uom":"KGM","buyer_licence":"GD-BUY-2024-8194"}
BJ-DIST-012	{"type":"handoff","id":"X-H1","time":"2024-12-19T08:00:00Z","signer":"BJ-DIST-012","sale":"X-S1","quantity":"300.000","uom":"KGM"}
GD-DIST-021	{"type":"handoff","id":"X-H2","time":"2024-12-19T09:00:00Z","signer":"GD-DIST-021","sale":"X-S1","quantity":"300000","uom":"GRM"}
JS-SAMR.2	{"type":"check","id":"X-K1","time":"2024-12-19T06:30:00Z","signer":"JS-SAMR","sale":"X-S1","quantity":"299.000","uom":"KGM","location":"G2","seal":"intact"}
GD-DIST-021	{"type":"sale","id":"X-S2","time":"2024-12-19T10:00:00Z","signer":"GD-DIST-021","batch":"EPH-240902-02","buyer":"BJ-UNIV-LAB-007","quantity":"5.000","uom":"KGM","buyer_licence":"BJ-BUY-2024-9674"}
GD-DIST-021	{"type":"sale","id":"X-S3","time":"2024-12-19T10:05:00Z","signer":"GD-DIST-021","batch":"EPH-240902-02","buyer":"BJ-UNIV-LAB-007","quantity":"1.000","uom":"KGM","buyer_licence":"BJ-BUY-2024-9674"}
MPS-NCC	{"type":"revoke","id":"X-R1","time":"2024-12-19T11:00:00Z","signer":"MPS-NCC","party":"HN-DIST-017","licence":"HN-SELL-2024-9729","reason":"test"}
HN-DIST-017	{"type":"sale","id":"X-S4","time":"2024-12-19T12:00:00Z","signer":"HN-DIST-017","batch":"AA-240415-02","buyer":"ZJ-PHARMA-031","quantity":"10.000","uom":"LTR","buyer_licence":"ZJ-BUY-2024-8294"}
SD-PROD-003	{"type":"sale","id":"X-S5","time":"2024-12-19T13:00:00Z","signer":"SD-PROD-003","batch":"AA-240415-02","buyer":"ZJ-PHARMA-031","quantity":"10.000","uom":"LTR","buyer_licence":"HN-BUY-2024-1565"}
JS-PROD-001	{"type":"batch","id":"X-B1","time":"2024-12-19T14:00:00Z","signer":"JS-PROD-001","batch":"X-EPH-1","cas":"299-42-3","quantity":"10.000","uom":"KGM","origin":"production"}
ZJ-PHARMA-031	{"type":"loss","id":"X-L1","time":"2024-12-19T15:00:00Z","signer":"ZJ-PHARMA-031","batch":"EPH-240902-02","quantity":"200.000","uom":"KGM","reason":"stolen"}
EOF
while IFS="$T" read -r k rec; do
	printf '%s\n' "$rec" | cl sign -k "$FIX/keys/$k.pem"
done < "$TMP/biz.tsv" > "$TMP/biz.signed"
ok "business-rule records are appended (recorded, not rejected)" cl submit -d "$TMP/biz" "$TMP/biz.signed" >/dev/null 2>&1
cv -d "$TMP/biz" --json > "$TMP/biz.json"
eq "every alert code where it shows" "HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342 \
OVERDRAWN@369 WRONG_RECEIVER@370 DOUBLE_HANDOFF@371 CHECK_MISMATCH@372 TIME_ORDER@372 LICENCE_LIMIT@373 \
UNLICENSED_SELLER@376 UNLICENSED_BUYER@377 UNLICENSED_SELLER@378 OVERDRAWN@379" "$(codes < "$TMP/biz.json")"
contains "OVERDRAWN message" "sale X-S1 by NM-PROD-002 takes 300.000 KGM of batch EPH-240902-02 but NM-PROD-002 holds 225.000 KGM" "$(cat "$TMP/biz.json")"
contains "OVERDRAWN of a loss" "loss X-L1 by ZJ-PHARMA-031 takes 200.000 KGM of batch EPH-240902-02 but ZJ-PHARMA-031 holds 114.700 KGM" "$(cat "$TMP/biz.json")"
contains "UNLICENSED_SELLER says why" "(HN-SELL-2024-9729: it was revoked at seq 375)" "$(cat "$TMP/biz.json")"
contains "UNLICENSED_BUYER: a licence of someone else" "it is a licence of HN-DIST-017, not of the buyer (the buyer does hold a valid buy licence, ZJ-BUY-2024-8294)" "$(cat "$TMP/biz.json")"
contains "LICENCE_LIMIT at the crossing sale" "reach 9.000 KGM with sale X-S2, above its limit of 5.000 KGM" "$(cat "$TMP/biz.json")"
eq "the wrongly signed handoff credits the buyer; the second credits nothing" "OVERDRAWN@369 WRONG_RECEIVER@370 DOUBLE_HANDOFF@371 CHECK_MISMATCH@372 TIME_ORDER@372 OVERDRAWN@379" \
	"$(cv -d "$TMP/biz" --batch EPH-240902-02 --json | codes)"
cl export -d "$TMP/biz" -o "$TMP/biz.export"
eq "--batch over a whole export also checks the licence limit" "OVERDRAWN@369 WRONG_RECEIVER@370 DOUBLE_HANDOFF@371 CHECK_MISMATCH@372 TIME_ORDER@372 LICENCE_LIMIT@373 OVERDRAWN@379" \
	"$(cv --export "$TMP/biz.export" --batch EPH-240902-02 --json | codes)"
eq "business rules: --jobs 1 = --jobs 2" "$(cv -d "$TMP/biz" --json --jobs 1)" "$(cv -d "$TMP/biz" --json --jobs 2)"

# ---- tampered chains ------------------------------------------------------------

size=$(wc -c < "$TMP/world.export")

# A stream without its trailer, and one cut inside the last entry.
head -c $((size - 45)) "$TMP/world.export" > "$TMP/cut1.export"
status "export without trailer exits 1" 1 cv --export "$TMP/cut1.export" --json
eq "export without trailer: MALFORMED_ENTRY after the last entry" \
	"HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342 MALFORMED_ENTRY@369" \
	"$(cv --export "$TMP/cut1.export" --json | codes)"
contains "the cut is a finding with no id" "{\"code\":\"MALFORMED_ENTRY\",\"severity\":\"error\",\"seq\":369,\"id\":null,\"batch\":null,\"message\":\"export stream: stream cut at byte" \
	"$(cv --export "$TMP/cut1.export" --json)"
head -c $((size - 100)) "$TMP/world.export" > "$TMP/cut2.export"
eq "export cut inside the last entry" \
	"HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342 MALFORMED_ENTRY@368" \
	"$(cv --export "$TMP/cut2.export" --json | codes)"

# A trailer whose head hash is altered (its last byte).
cp "$TMP/world.export" "$TMP/trailer.export"
printf 'x' | dd of="$TMP/trailer.export" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
eq "altered trailer head" "HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342 MALFORMED_ENTRY@369" \
	"$(cv --export "$TMP/trailer.export" --json | codes)"
contains "altered trailer head: message" "the trailer's head" "$(cv --export "$TMP/trailer.export" --json)"

# A record altered in place (the id of the broken-seal check): its signature
# fails and the next entry's links no longer match.  A trade record is still
# booked (docs/RULES.md): the broken seal it reports stays a finding.
off=$(grep -obUa 'K-HN-POLICE-NCB-20240705-02' "$TMP/world.export" | cut -d: -f1)
cp "$TMP/world.export" "$TMP/forged.export"
printf '9' | dd of="$TMP/forged.export" bs=1 seek=$((off + 26)) conv=notrunc 2>/dev/null
cv --export "$TMP/forged.export" --json > "$TMP/forged.json"
eq "altered record: BAD_SIGNATURE and broken links" \
	"HANDOFF_MISMATCH${T}alert${T}110${T}H-HN-DIST-017-00115${T}AA-240415-02
BAD_SIGNATURE${T}error${T}224${T}K-HN-POLICE-NCB-20240705-09${T}AA-240701-03
CHECK_MISMATCH${T}alert${T}224${T}K-HN-POLICE-NCB-20240705-09${T}AA-240701-03
BROKEN_BATCH_LINK${T}error${T}225${T}H-HN-DIST-017-00117${T}AA-240701-03
BROKEN_LINK${T}error${T}225${T}H-HN-DIST-017-00117${T}AA-240701-03
UNLICENSED_BUYER${T}alert${T}229${T}S-SH-IMP-005-00111${T}ANT-240513-01
OPEN_SALE${T}notice${T}342${T}S-JS-PROD-001-00519${T}MEK-240923-01" "$(tsv < "$TMP/forged.json")"
eq "altered record: --batch sees it too" "BAD_SIGNATURE@224 CHECK_MISMATCH@224 BROKEN_BATCH_LINK@225 BROKEN_LINK@225" \
	"$(cv --export "$TMP/forged.export" --batch AA-240701-03 --json | codes)"
eq "altered record: --jobs 1 = --jobs 2" "$(cv --export "$TMP/forged.export" --json --jobs 1)" \
	"$(cv --export "$TMP/forged.export" --json --jobs 2)"

# A forged key rotation: JS-SAMR's re-registration (seq 201) altered.  A
# registration that fails its signature is not booked, so the new key never
# takes effect and every check JS-SAMR signed with it fails.
off=$(grep -obUa 'party-JS-SAMR-rekey-2024-06' "$TMP/world.export" | cut -d: -f1)
cp "$TMP/world.export" "$TMP/rekey.export"
printf '7' | dd of="$TMP/rekey.export" bs=1 seek=$((off + 26)) conv=notrunc 2>/dev/null
eq "forged key rotation: its signature, then every check under the planted key" \
	"HANDOFF_MISMATCH@110 BAD_SIGNATURE@201 BROKEN_LINK@202 BAD_SIGNATURE@204 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 \
BAD_SIGNATURE@247 BAD_SIGNATURE@250 BAD_SIGNATURE@266 BAD_SIGNATURE@276 BAD_SIGNATURE@287 BAD_SIGNATURE@328 OPEN_SALE@342" \
	"$(cv --export "$TMP/rekey.export" --json | codes)"
eq "forged key rotation: --jobs 1 = --jobs 2" "$(cv --export "$TMP/rekey.export" --json --jobs 1)" \
	"$(cv --export "$TMP/rekey.export" --json --jobs 2)"

# Entries deleted, reordered, replayed or garbled in the LMDB store itself
# (mdb_dump/mdb_load: a new environment with nothing but "entries").
mdb_dump -s entries "$L" > "$TMP/dump" 2>/dev/null
ok "an environment with only \"entries\" loads" load "$TMP/dump" "$TMP/copy"
eq "the verifier needs nothing but \"entries\"" "$(cat "$TMP/full.json")" "$(cv -d "$TMP/copy" --json)"

# Deleting the short delivery's handoff (seq 110) to hide it: the gap, the
# links and the books (the sale is open, the buyer sells what it never got).
sed "/^$(key 110)\$/{N;d}" "$TMP/dump" > "$TMP/dump.del"
load "$TMP/dump.del" "$TMP/del"
cv -d "$TMP/del" --json > "$TMP/del.json"
eq "deleted entry: caught" "OPEN_SALE@109 BROKEN_LINK@111 SEQ_GAP@111 BROKEN_BATCH_LINK@118 OVERDRAWN@139 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342" \
	"$(codes < "$TMP/del.json")"
contains "deleted entry: the gap" "seq 111 follows seq 109: expected 110" "$(cat "$TMP/del.json")"
eq "deleted entry: --batch follows the back-links" "OPEN_SALE@109 BROKEN_BATCH_LINK@118 OVERDRAWN@139" \
	"$(cv -d "$TMP/del" --batch AA-240415-02 --json | codes)"
contains "deleted entry: the sale whose receipt was hidden is open" '"code":"OPEN_SALE","severity":"notice","seq":109,"id":"S-SD-PROD-003-00337"' "$(cat "$TMP/del.json")"
contains "deleted entry: the buyer sells what it never received" "sale S-HN-DIST-017-00175 by HN-DIST-017 takes 800.000 LTR of batch AA-240415-02 but HN-DIST-017 holds 0.000 LTR" "$(cat "$TMP/del.json")"

# The batch record of ANT-240513-01 (seq 150) deleted: every sale and loss of
# the batch names a batch the chain does not hold.  --batch still reports it.
sed "/^$(key 150)\$/{N;d}" "$TMP/dump" > "$TMP/dump.nobatch"
load "$TMP/dump.nobatch" "$TMP/nobatch"
status "--batch of a batch whose record is gone exits 1" 1 cv -d "$TMP/nobatch" --batch ANT-240513-01
eq "--batch of a batch whose record is gone: what names it" \
	"UNKNOWN_REF@155 UNKNOWN_REF@162 UNKNOWN_REF@175 UNKNOWN_REF@187 UNKNOWN_REF@212 UNKNOWN_REF@216 UNKNOWN_REF@229 UNKNOWN_REF@240 UNKNOWN_REF@279 UNKNOWN_REF@297 UNKNOWN_REF@317" \
	"$(cv -d "$TMP/nobatch" --batch ANT-240513-01 --json | codes)"
contains "--batch of a batch whose record is gone: said so" "no batch record
of it could be booked" "$(cv -d "$TMP/nobatch" --batch ANT-240513-01)"

# Two entries swapped.
v100=$(sed -n "/^$(key 100)\$/{n;p}" "$TMP/dump")
v101=$(sed -n "/^$(key 101)\$/{n;p}" "$TMP/dump")
awk -v k100="$(key 100)" -v k101="$(key 101)" -v a="$v100" -v b="$v101" '
	swap == 1 { print b; swap = 0; next }
	swap == 2 { print a; swap = 0; next }
	$0 == k100 { swap = 1 } $0 == k101 { swap = 2 } { print }' "$TMP/dump" > "$TMP/dump.swap"
load "$TMP/dump.swap" "$TMP/swap"
eq "reordered entries" "BROKEN_LINK@100 OPEN_SALE@100 SEQ_GAP@100 BROKEN_LINK@101 SEQ_GAP@101 UNKNOWN_REF@101 BROKEN_LINK@102 SEQ_GAP@102 \
BROKEN_BATCH_LINK@104 HANDOFF_MISMATCH@110 OVERDRAWN@181 OVERDRAWN@200 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342" \
	"$(cv -d "$TMP/swap" --json | codes)"

# Entry 5 replayed as entry 369.
v5=$(sed -n "/^$(key 5)\$/{n;p}" "$TMP/dump")
sed "s/^DATA=END\$/$(key 369)\\n$v5\\nDATA=END/" "$TMP/dump" > "$TMP/dump.replay"
load "$TMP/dump.replay" "$TMP/replay"
eq "replayed entry" "BROKEN_LINK@5 DUPLICATE_ID@5 SEQ_GAP@5 HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342" \
	"$(cv -d "$TMP/replay" --json | codes)"

# An entry that does not decode (a transport check, seq 44, replaced by msgpack nil).
awk -v k="$(key 44)" 'skip { print " c0"; skip = 0; next } $0 == k { skip = 1 } { print }' "$TMP/dump" > "$TMP/dump.garbage"
load "$TMP/dump.garbage" "$TMP/garbage"
cv -d "$TMP/garbage" --json > "$TMP/garbage.json"
eq "undecodable entry" "MALFORMED_ENTRY@44 BROKEN_BATCH_LINK@45 BROKEN_LINK@45 HANDOFF_MISMATCH@110 CHECK_MISMATCH@224 UNLICENSED_BUYER@229 OPEN_SALE@342" \
	"$(codes < "$TMP/garbage.json")"
contains "undecodable entry: no id, no batch" '{"code":"MALFORMED_ENTRY","severity":"error","seq":44,"id":null,"batch":null,' "$(cat "$TMP/garbage.json")"
eq "undecodable entry: --batch keeps it (it may be the batch's)" "MALFORMED_ENTRY@44 HANDOFF_MISMATCH@110" \
	"$(cv -d "$TMP/garbage" --batch AA-240415-02 --json | codes)"

# ---- usage and I/O errors: exit 2, one line on stderr -----------------------------

status "--help exits 0" 0 cv --help
contains "--help on stdout" "usage: chemverify (-d DIR | --export FILE)" "$(cv --help)"
status "no ledger exits 2" 2 cv --json
eq "no ledger: one line" "chemverify: no ledger: give -d DIR, --ledger DIR, set CHEMLEDGER_DIR, or give --export FILE" \
	"$(cv --json 2>&1)"
status "missing ledger directory exits 2" 2 cv -d "$TMP/nowhere"
eq "missing ledger directory: one line" 1 "$(cv -d "$TMP/nowhere" 2>&1 | wc -l | tr -d ' ')"
mkdir -m 700 "$TMP/empty"
status "a directory that is not a ledger exits 2" 2 cv -d "$TMP/empty"
status "bad --as-of exits 2" 2 cv -d "$L" --as-of 2024-13-01T00:00:00Z
status "--as-of without zone exits 2" 2 cv -d "$L" --as-of 2024-12-01T00:00:00
status "bad --open-days exits 2" 2 cv -d "$L" --open-days -1
status "bad --open-days (text) exits 2" 2 cv -d "$L" --open-days thirty
status "--jobs 0 exits 2" 2 cv -d "$L" --jobs 0
status "--jobs 1000 exits 2" 2 cv -d "$L" --jobs 1000
status "bad --batch id exits 2" 2 cv -d "$L" --batch 'no such'
status "unknown option exits 2" 2 cv -d "$L" --frobnicate
status "stray argument exits 2" 2 cv -d "$L" extra
status "-d and --export together exit 2" 2 cv -d "$L" --export "$TMP/world.export"
status "missing export file exits 2" 2 cv --export "$TMP/nowhere.export"
printf 'not an export\n' > "$TMP/not.export"
status "a file that is not an export exits 2" 2 cv --export "$TMP/not.export"

finish
