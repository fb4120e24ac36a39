#!/bin/sh
# Hostile records: each is rejected with one clear message, in bounded
# memory, and nothing is written (the head does not move).
. "$(dirname "$0")/lib.sh"
L=$TMP/ledger
build_world "$L"
head0=$(cl head -d "$L")
K=$FIX/keys
# A valid loss by an end user that holds stock of AA-240415-02 (see fixtures/world).
base='"type":"loss","time":"2024-12-19T00:00:00Z","signer":"ZJ-PHARMA-031","batch":"AA-240415-02","reason":"consumed"'

# Memory stays bounded: the ledger runs under a 600 MB address-space limit
# (not under ASan or valgrind, whose shadow memory needs far more).
vlimit() {
	if [ "${CL_SANITIZED:-0}" != 1 ] && [ "${CL_VALGRIND:-0}" != 1 ]; then ulimit -v 600000; fi
}

# reject NAME WANT-ERROR LINE...: submit the line(s), expect that error code.
reject() {
	name=$1 want=$2
	shift 2
	printf '%s\n' "$@" > "$TMP/in"
	(vlimit; $VG "$ROOT/bin/chemledger" submit -d "$L" "$TMP/in") > "$TMP/out" 2> "$TMP/err"
	rc=$?
	eq "$name: exit 1" 1 "$rc"
	contains "$name: $want" "\"status\":\"rejected\",\"error\":\"$want\"" "$(cat "$TMP/out")"
	eq "$name: one result line" 1 "$(wc -l < "$TMP/out" | tr -d ' ')"
	eq "$name: nothing written" "$head0" "$(cl head -d "$L")"
}

# Many fields: 5,000 unknown keys.
many=$(awk 'BEGIN { printf "{\"type\":\"loss\""; for (i = 0; i < 5000; i++) printf ",\"f%d\":1", i; printf "}" }')
reject "5000 fields" BAD_FIELD "$many"
# Deep nesting: 100,000 brackets (and within the line limit, 30,000).
deep=$(awk 'BEGIN { for (i = 0; i < 30000; i++) printf "["; for (i = 0; i < 30000; i++) printf "]" }')
reject "30000-deep array" MALFORMED_JSON "$deep"
deep2=$(awk 'BEGIN { printf "{\"type\":\"loss\",\"note\":"; for (i = 0; i < 20000; i++) printf "{\"a\":"; printf "1"; for (i = 0; i < 20000; i++) printf "}"; printf "}" }')
reject "20000-deep object" MALFORMED_JSON "$deep2"
# A 10 MB line.
awk 'BEGIN { printf "{\"type\":\"loss\",\"note\":\""; for (i = 0; i < 10485760 / 64; i++) printf "%s", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; print "\"}" }' > "$TMP/big"
(vlimit; $VG "$ROOT/bin/chemledger" submit -d "$L" "$TMP/big") > "$TMP/out" 2>&1
eq "10 MB line: exit 1" 1 $?
contains "10 MB line: rejected as too long" '"error":"MALFORMED_JSON","message":"line is longer than 65536 bytes"' "$(cat "$TMP/out")"
eq "10 MB line: nothing written" "$head0" "$(cl head -d "$L")"
# NUL bytes: escaped in a string, and raw in the line.
reject "escaped NUL in a string" MALFORMED_JSON "{$base,\"id\":\"L-nul\",\"quantity\":\"1.000\",\"uom\":\"LTR\",\"note\":\"a\\u0000b\"}"
printf '{%s,"id":"L-raw","quantity":"1.000","uom":"LTR","note":"a\000b"}\n' "$base" > "$TMP/in"
cl submit -d "$L" "$TMP/in" > "$TMP/out" 2>&1
contains "raw NUL byte" '"error":"MALFORMED_JSON"' "$(cat "$TMP/out")"
# Overlong UTF-8 ("/" as C0 AF) and a lone surrogate escape.
printf '{%s,"id":"L-ovl","quantity":"1.000","uom":"LTR","note":"\300\257"}\n' "$base" > "$TMP/in"
cl submit -d "$L" "$TMP/in" > "$TMP/out" 2>&1
contains "overlong UTF-8" '"error":"MALFORMED_JSON"' "$(cat "$TMP/out")"
reject "lone surrogate" MALFORMED_JSON "{$base,\"id\":\"L-sur\",\"quantity\":\"1.000\",\"uom\":\"LTR\",\"note\":\"\\ud800\"}"
# Duplicate keys, even with equal values.
reject "duplicate key" MALFORMED_JSON "{$base,\"id\":\"L-dup\",\"id\":\"L-dup\",\"quantity\":\"1.000\",\"uom\":\"LTR\"}"
# Ids: no normalisation happens, so nothing can collide after it; look-alikes are refused.
reject "id with a space" BAD_FIELD "{$base,\"id\":\"L 1\",\"quantity\":\"1.000\",\"uom\":\"LTR\"}"
reject "id with a fullwidth letter" BAD_FIELD "{$base,\"id\":\"Ｌ-1\",\"quantity\":\"1.000\",\"uom\":\"LTR\"}"
reject "id of 65 characters" BAD_FIELD "{$base,\"id\":\"$(printf '%065d' 0)\",\"quantity\":\"1.000\",\"uom\":\"LTR\"}"
# Times at the limits of the format.
reject "year 10000" BAD_FIELD "{\"type\":\"loss\",\"id\":\"L-t1\",\"time\":\"10000-01-01T00:00:00Z\",\"signer\":\"ZJ-PHARMA-031\",\"batch\":\"AA-240415-02\",\"reason\":\"consumed\",\"quantity\":\"1.000\",\"uom\":\"LTR\"}"
reject "before year 0000 in UTC" BAD_FIELD "{\"type\":\"loss\",\"id\":\"L-t2\",\"time\":\"0000-01-01T00:00:00+01:00\",\"signer\":\"ZJ-PHARMA-031\",\"batch\":\"AA-240415-02\",\"reason\":\"consumed\",\"quantity\":\"1.000\",\"uom\":\"LTR\"}"
reject "after 9999 in UTC" BAD_FIELD "{\"type\":\"loss\",\"id\":\"L-t3\",\"time\":\"9999-12-31T23:59:59-00:01\",\"signer\":\"ZJ-PHARMA-031\",\"batch\":\"AA-240415-02\",\"reason\":\"consumed\",\"quantity\":\"1.000\",\"uom\":\"LTR\"}"
# The extremes that are valid sign and parse (this one is then refused only as an overdraw would be: it is recorded).
printf '{"type":"loss","id":"L-t4","time":"9999-12-31T23:59:59Z","signer":"ZJ-PHARMA-031","batch":"AA-240415-02","reason":"consumed","quantity":"1.000","uom":"LTR"}\n' | cl sign -k "$K/ZJ-PHARMA-031.pem" > "$TMP/t4"
eq "9999-12-31T23:59:59Z signs" 1 "$(wc -l < "$TMP/t4" | tr -d ' ')"
# Quantities at 10^15 base units, and one above.
printf '{%s,"id":"L-q1","quantity":"1000000000000.000","uom":"LTR"}\n' "$base" | cl sign -k "$K/ZJ-PHARMA-031.pem" > "$TMP/q1"
eq "10^15 mL signs" 1 "$(wc -l < "$TMP/q1" | tr -d ' ')"
reject "10^15 + 1 mL" BAD_FIELD "{$base,\"id\":\"L-q2\",\"quantity\":\"1000000000000.001\",\"uom\":\"LTR\"}"
reject "10^15 + 1 MLT" BAD_FIELD "{$base,\"id\":\"L-q3\",\"quantity\":\"1000000000000001\",\"uom\":\"MLT\"}"
reject "a 40-digit quantity" BAD_FIELD "{$base,\"id\":\"L-q4\",\"quantity\":\"1234567890123456789012345678901234567890\",\"uom\":\"LTR\"}"
finish
