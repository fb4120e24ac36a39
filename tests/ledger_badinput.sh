#!/bin/sh
# tests/ledger_badinput.sh - every class of bad input `chemledger submit`
# must refuse (SPEC §4), against the demo world ledger (build_world), with
# records signed by the TEST ONLY keys of fixtures/keys.
#
# For each rejection: the result line says "rejected" with the exact error
# code, the message names the field, the exit status is 1, and nothing
# changed on disk (head, entry count and the bytes of data.mdb).  The valid
# records every bad one is made from are first shown to be accepted, on a
# copy of the ledger.  Bad ledger directories and bad key files exit 2 with
# one line on stderr.
. "$(dirname "$0")/lib.sh"
# Bytes, not characters: sed must pass invalid UTF-8 through untouched.
LC_ALL=C
export LC_ALL

K=$FIX/keys
L=$TMP/L
build_world "$L" || { echo "build_world failed"; exit 1; }

# ---- helpers -------------------------------------------------------------

sign_as() { cl sign -k "$K/$1.pem"; } # JSON Lines on stdin, signed on stdout
lines() { wc -l < "$1" | tr -d ' '; }
sig_of() { sed -n 's/.*"sig":"\([^"]*\)".*/\1/p'; }
set_sig() { sed "s|\"sig\":\"[^\"]*\"|\"sig\":\"$1\"|"; }
snapshot() {
	cl head -d "$L"
	cl log -d "$L" | wc -l | tr -d ' '
	cksum < "$L/data.mdb"
}

# reject_file DESC CODE NEEDLE FILE: FILE holds one line that must be refused
# with CODE and a message containing NEEDLE, changing nothing.
reject_file() {
	desc=$1 code=$2 needle=$3 f=$4
	before=$(snapshot)
	cl submit -d "$L" "$f" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	eq "$desc: exit 1" 1 "$rc"
	eq "$desc: one result line" 1 "$(lines "$TMP/out")"
	contains "$desc: line 1" '{"line":1,"id":' "$out"
	contains "$desc: rejected" '"status":"rejected"' "$out"
	contains "$desc: error $code" "\"error\":\"$code\"" "$out"
	msg=$(printf '%s\n' "$out" | sed -n 's/.*,"message":"\(.*\)"}$/\1/p')
	ok "$desc: a message" test -n "$msg"
	contains "$desc: the message names it" "$needle" "$msg"
	case "$out" in
	*'"seq":'* | *'"hash":'*) _fail "$desc: a rejected line has no seq or hash: $out" ;;
	*) _pass ;;
	esac
	eq "$desc: nothing changed on disk" "$before" "$(snapshot)"
}
reject() {
	printf '%s\n' "$4" > "$TMP/in.jsonl"
	reject_file "$1" "$2" "$3" "$TMP/in.jsonl"
}

# noncanonical SIG: the same signature with S replaced by S + L (the group
# order), as little-endian 256-bit numbers: the same equation, other bytes.
noncanonical() {
	printf '%s' "$1" | base64 -d | od -An -v -tu1 | awk '
		BEGIN { split("237 211 245 92 26 99 18 88 214 156 247 162 222 249 222 20 " \
			      "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 16", order, " ") }
		{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END {
			c = 0
			for (i = 32; i < 64; i++) { v = b[i] + order[i - 31] + c; b[i] = v % 256; c = int(v / 256) }
			for (i = 0; i < 64; i++) printf "\\%03o", b[i]
		}' | { read -r esc; printf "$esc"; } | base64 | tr -d '\n'
}

# ---- the valid records the bad ones are made from ------------------------

T='"time":"2024-12-19T08:00:00Z"'
SALE="{\"type\":\"sale\",\"id\":\"S-TEST-0001\",$T,\"signer\":\"SD-PROD-003\",\"batch\":\"AA-240415-02\",\"buyer\":\"HN-DIST-017\",\"quantity\":\"10.000\",\"uom\":\"LTR\",\"buyer_licence\":\"HN-BUY-2024-1565\",\"carrier\":\"HN-HAZ-004\"}"
CHECK="{\"type\":\"check\",\"id\":\"K-TEST-0001\",$T,\"signer\":\"HN-POLICE-NCB\",\"sale\":\"S-SD-PROD-003-00337\",\"quantity\":\"2000.000\",\"uom\":\"LTR\",\"location\":\"G4 expressway, Hengyang\",\"seal\":\"intact\",\"note\":\"re-check\"}"
HANDOFF="{\"type\":\"handoff\",\"id\":\"H-TEST-0001\",$T,\"signer\":\"ZJ-DIST-008\",\"sale\":\"S-JS-PROD-001-00519\",\"quantity\":\"800.000\",\"uom\":\"LTR\"}"
LOSS="{\"type\":\"loss\",\"id\":\"L-TEST-0001\",$T,\"signer\":\"HN-DIST-017\",\"batch\":\"AA-240415-02\",\"quantity\":\"1.000\",\"uom\":\"LTR\",\"reason\":\"destroyed\"}"
BATCH="{\"type\":\"batch\",\"id\":\"B-AA-TEST-01\",$T,\"signer\":\"SD-PROD-003\",\"batch\":\"AA-TEST-01\",\"cas\":\"108-24-7\",\"quantity\":\"100.000\",\"uom\":\"LTR\",\"origin\":\"production\",\"label\":\"6920571049999-AATEST01\"}"
CHEM="{\"type\":\"chemical\",\"id\":\"chem-103-79-7\",$T,\"signer\":\"MPS-NCC\",\"cas\":\"103-79-7\",\"name\":\"1-Phenyl-2-propanone 1-苯基-2-丙酮\",\"category\":1,\"measure\":\"volume\",\"tolerance_permille\":0}"
REVOKE="{\"type\":\"revoke\",\"id\":\"R-TEST-0001\",$T,\"signer\":\"MPS-NCC\",\"party\":\"GD-DIST-021\",\"licence\":\"GD-BUY-2024-8194\",\"reason\":\"test\"}"
cl keygen -o "$TMP/test-vendor.pem" > "$TMP/test-vendor.pub" || exit 1
TVPUB=$(cat "$TMP/test-vendor.pub")
PARTY="{\"type\":\"party\",\"id\":\"party-TEST-VENDOR-1\",$T,\"signer\":\"MPS-NCC\",\"party\":\"TEST-VENDOR-1\",\"name\":\"Test vendor\",\"roles\":[\"vendor\"],\"key\":\"$TVPUB\",\"licences\":[{\"no\":\"TV-SELL-1\",\"kind\":\"sell\",\"categories\":[2,3],\"valid_from\":\"2024-01-01T00:00:00Z\",\"valid_until\":\"2025-12-31T23:59:59Z\"}]}"

sale=$(printf '%s\n' "$SALE" | sign_as SD-PROD-003)
check=$(printf '%s\n' "$CHECK" | sign_as HN-POLICE-NCB)
handoff=$(printf '%s\n' "$HANDOFF" | sign_as ZJ-DIST-008)
loss=$(printf '%s\n' "$LOSS" | sign_as HN-DIST-017)
batch=$(printf '%s\n' "$BATCH" | sign_as SD-PROD-003)
chem=$(printf '%s\n' "$CHEM" | sign_as MPS-NCC)
revoke=$(printf '%s\n' "$REVOKE" | sign_as MPS-NCC)
party=$(printf '%s\n' "$PARTY" | sign_as MPS-NCC)
for r in sale check handoff loss batch chem revoke party; do
	eval "v=\$$r"
	contains "base $r is signed" '"sig":"' "$v"
done

# Controls: every base record is accepted, on a copy of the ledger.
cp -r "$L" "$TMP/C"
printf '%s\n' "$sale" "$check" "$handoff" "$loss" "$batch" "$chem" "$revoke" "$party" > "$TMP/bases.jsonl"
cl submit -d "$TMP/C" "$TMP/bases.jsonl" > "$TMP/bases.out" 2> "$TMP/bases.err"
eq "controls: exit 0" 0 "$?"
eq "controls: all eight appended" 8 "$(grep -c '"status":"appended"' "$TMP/bases.out")"
eq "controls: seqs 369-376" "369 370 371 372 373 374 375 376" \
	"$(sed -n 's/.*"seq":\([0-9]*\),.*/\1/p' "$TMP/bases.out" | tr '\n' ' ' | sed 's/ $//')"

# ---- malformed JSON ------------------------------------------------------

reject "not JSON" MALFORMED_JSON "" 'not json at all'
reject "a JSON array" MALFORMED_JSON "object" '[1,2,3]'
reject "a JSON string" MALFORMED_JSON "" '"sale"'
reject "a JSON number" MALFORMED_JSON "" '42'
reject "single quotes" MALFORMED_JSON "" "{'type':'sale'}"
reject "trailing garbage" MALFORMED_JSON "" "$sale trailing"
reject "two objects on one line" MALFORMED_JSON "" "$sale$sale"
reject "a trailing comma" MALFORMED_JSON "" "$(printf '%s\n' "$sale" | sed 's/}$/,}/')"
reject "a duplicate key" MALFORMED_JSON "quantity" "$(printf '%s\n' "$sale" | sed 's/"uom":"LTR"/"uom":"LTR","quantity":"10.000"/')"
reject "an unquoted key" MALFORMED_JSON "" "$(printf '%s\n' "$sale" | sed 's/"uom":/uom:/')"
reject "a bare NaN" MALFORMED_JSON "" "$(printf '%s\n' "$chem" | sed 's/"tolerance_permille":0/"tolerance_permille":NaN/')"

# ---- truncated lines -------------------------------------------------------

n=${#sale}
for cut in 1 2 40 $((n / 2)) $((n - 2)) $((n - 1)); do
	reject "truncated to $cut of $n bytes" MALFORMED_JSON "" "$(printf '%s' "$sale" | head -c "$cut")"
done
# the last line of a file cut short, without its newline
printf '%s' "$sale" | head -c $((n - 5)) > "$TMP/cut.jsonl"
reject_file "a file cut inside its last line" MALFORMED_JSON "" "$TMP/cut.jsonl"

# ---- over-long lines and fields ---------------------------------------------

pad() { head -c "$1" /dev/zero | tr '\0' ' '; }
# a valid signed line padded with white space inside the object
long=$(printf '{%s%s' "$(pad 70000)" "${sale#?}")
reject "a line of 70000+ bytes" MALFORMED_JSON "65536" "$long"
contains "a line of 70000+ bytes: no id" '"id":null' "$(cat "$TMP/out")"
exact=$(printf '{%s%s' "$(pad $((65536 - n)))" "${sale#?}")
eq "a line of exactly 65536 bytes is built" 65536 "${#exact}"
# over the limit with a multi-megabyte line, then a good line: the good one still counts
{
	printf '{"type":"sale","note":"%s"}\n' "$(pad 3000000)"
	printf '%s\n' "$sale"
} > "$TMP/huge.jsonl"
cp -r "$L" "$TMP/C2"
cl submit -d "$TMP/C2" "$TMP/huge.jsonl" > "$TMP/huge.out" 2>/dev/null
eq "a 3 MB line then a good line: exit 1" 1 "$?"
contains "a 3 MB line: rejected" '{"line":1,"id":null,"status":"rejected","error":"MALFORMED_JSON"' "$(sed -n 1p "$TMP/huge.out")"
contains "the good line after it: appended" '{"line":2,"id":"S-TEST-0001","status":"appended","seq":369,' "$(sed -n 2p "$TMP/huge.out")"
printf '%s\n' "$exact" > "$TMP/exact.jsonl"
cp -r "$L" "$TMP/C3"
contains "a line of exactly 65536 bytes: appended" '"status":"appended","seq":369' \
	"$(cl submit -d "$TMP/C3" "$TMP/exact.jsonl" 2>/dev/null)"
# fields longer than their limit (the line itself is short)
x() { head -c "$1" /dev/zero | tr '\0' 'x'; }
reject "an id of 65 chars" BAD_FIELD "id:" "$(printf '%s\n' "$sale" | sed "s/\"id\":\"S-TEST-0001\"/\"id\":\"$(x 65)\"/")"
reject "a batch id of 65 chars" BAD_FIELD "batch:" "$(printf '%s\n' "$sale" | sed "s/\"batch\":\"AA-240415-02\"/\"batch\":\"$(x 65)\"/")"
reject "a location of 257 bytes" BAD_FIELD "location:" "$(printf '%s\n' "$check" | sed "s/\"location\":\"[^\"]*\"/\"location\":\"$(x 257)\"/")"
reject "a note of 1025 bytes" BAD_FIELD "note:" "$(printf '%s\n' "$check" | sed "s/\"note\":\"[^\"]*\"/\"note\":\"$(x 1025)\"/")"
reject "a label of 129 chars" BAD_FIELD "label:" "$(printf '%s\n' "$batch" | sed "s/\"label\":\"[^\"]*\"/\"label\":\"$(x 129)\"/")"
reject "a name of 257 bytes" BAD_FIELD "name:" "$(printf '%s\n' "$chem" | sed "s/\"name\":\"[^\"]*\"/\"name\":\"$(x 257)\"/")"
reject "a reason of 513 bytes" BAD_FIELD "reason:" "$(printf '%s\n' "$revoke" | sed "s/\"reason\":\"[^\"]*\"/\"reason\":\"$(x 513)\"/")"
reject "a permit of 129 chars" BAD_FIELD "transport_permit:" "$(printf '%s\n' "$sale" | sed "s/\"carrier\"/\"transport_permit\":\"$(x 129)\",\"carrier\"/")"

# ---- invalid UTF-8 and control characters ------------------------------------

utf8_bad() { printf '%s\n' "$check" | sed "s/\"location\":\"[^\"]*\"/\"location\":\"G4 $1 toll\"/"; }
reject "a 0xff byte" MALFORMED_JSON "0xff" "$(utf8_bad "$(printf '\377')")"
reject "an overlong '/'" MALFORMED_JSON "0xc0" "$(utf8_bad "$(printf '\300\257')")"
reject "a UTF-8 surrogate" MALFORMED_JSON "0xed" "$(utf8_bad "$(printf '\355\240\200')")"
reject "a truncated sequence" MALFORMED_JSON "" "$(utf8_bad "$(printf '\351\272')")"
reject "a lone continuation byte" MALFORMED_JSON "0x80" "$(utf8_bad "$(printf '\200')")"
reject "an escaped lone surrogate" MALFORMED_JSON "" "$(utf8_bad '\\ud800')"
reject "an escaped NUL" MALFORMED_JSON "" "$(utf8_bad '\\u0000')"
reject "an escaped control character" BAD_FIELD "location:" "$(utf8_bad '\\u0007')"
reject "an escaped newline" BAD_FIELD "location:" "$(utf8_bad '\\n')"
reject "a C1 control character" BAD_FIELD "location:" "$(utf8_bad "$(printf '\302\205')")"
reject "an escaped C1 control" BAD_FIELD "location:" "$(utf8_bad '\\u009b')"
reject "a raw tab in a string" MALFORMED_JSON "" "$(utf8_bad "$(printf '\t')")"

# ---- unknown, missing and mistyped fields --------------------------------------

reject "an unknown field" BAD_FIELD 'unknown field \"colour\"' "$(printf '%s\n' "$sale" | sed 's/"uom":"LTR"/"uom":"LTR","colour":"red"/')"
reject "a field of another type" BAD_FIELD 'unknown field \"seal\"' "$(printf '%s\n' "$sale" | sed 's/"uom":"LTR"/"uom":"LTR","seal":"intact"/')"
reject "an unknown licence field" BAD_FIELD 'unknown field \"issuer\"' "$(printf '%s\n' "$party" | sed 's/"no":"TV-SELL-1"/"no":"TV-SELL-1","issuer":"x"/')"
reject "a missing buyer_licence" BAD_FIELD 'missing field \"buyer_licence\"' "$(printf '%s\n' "$sale" | sed 's/,"buyer_licence":"[^"]*"//')"
reject "a missing uom" BAD_FIELD 'missing field \"uom\"' "$(printf '%s\n' "$loss" | sed 's/,"uom":"LTR"//')"
reject "a missing type" BAD_FIELD 'missing field \"type\"' "$(printf '%s\n' "$loss" | sed 's/"type":"loss",//')"
reject "a missing signer" BAD_FIELD 'missing field \"signer\"' "$(printf '%s\n' "$loss" | sed 's/,"signer":"[^"]*"//')"
reject "a missing time" BAD_FIELD 'missing field \"time\"' "$(printf '%s\n' "$loss" | sed 's/,"time":"[^"]*"//')"
reject "a missing licence kind" BAD_FIELD 'missing field \"kind\"' "$(printf '%s\n' "$party" | sed 's/,"kind":"sell"//')"
reject "an unsigned record" BAD_FIELD "sig" "$SALE"
reject "a quantity as a number" BAD_FIELD "quantity:" "$(printf '%s\n' "$sale" | sed 's/"quantity":"10.000"/"quantity":10/')"
reject "a buyer as a number" BAD_FIELD "buyer:" "$(printf '%s\n' "$sale" | sed 's/"buyer":"HN-DIST-017"/"buyer":17/')"
reject "a time as a number" BAD_FIELD "time:" "$(printf '%s\n' "$sale" | sed "s/$T/\"time\":1734595200/")"
reject "a category as a string" BAD_FIELD "category:" "$(printf '%s\n' "$chem" | sed 's/"category":1/"category":"1"/')"
reject "roles as a string" BAD_FIELD "roles:" "$(printf '%s\n' "$party" | sed 's/"roles":\["vendor"\]/"roles":"vendor"/')"
reject "licences as an object" BAD_FIELD "licences:" "$(printf '%s\n' "$party" | sed 's/"licences":\[\(.*\)\]/"licences":\1/')"
reject "a seal as a boolean" BAD_FIELD "seal:" "$(printf '%s\n' "$check" | sed 's/"seal":"intact"/"seal":true/')"
reject "a type as null" BAD_FIELD "type:" "$(printf '%s\n' "$loss" | sed 's/"type":"loss"/"type":null/')"
reject "an unknown type" BAD_FIELD "type:" "$(printf '%s\n' "$loss" | sed 's/"type":"loss"/"type":"transfer"/')"
reject "an unknown seal word" BAD_FIELD "seal:" "$(printf '%s\n' "$check" | sed 's/"seal":"intact"/"seal":"ok"/')"
reject "an unknown loss reason" BAD_FIELD "reason:" "$(printf '%s\n' "$loss" | sed 's/"reason":"destroyed"/"reason":"evaporated"/')"
reject "an unknown role" BAD_FIELD "roles[0]" "$(printf '%s\n' "$party" | sed 's/"roles":\["vendor"\]/"roles":["seller"]/')"
reject "a duplicate role" BAD_FIELD "roles[1]" "$(printf '%s\n' "$party" | sed 's/"roles":\["vendor"\]/"roles":["vendor","vendor"]/')"
reject "no roles" BAD_FIELD "roles:" "$(printf '%s\n' "$party" | sed 's/"roles":\["vendor"\]/"roles":[]/')"
reject "a category 4 licence" BAD_FIELD "categories[1]" "$(printf '%s\n' "$party" | sed 's/"categories":\[2,3\]/"categories":[2,4]/')"
reject "a licence ending before it starts" BAD_FIELD "valid_until" "$(printf '%s\n' "$party" | sed 's/"valid_until":"2025-12-31T23:59:59Z"/"valid_until":"2023-12-31T23:59:59Z"/')"
reject "a tolerance of 1001" BAD_FIELD "tolerance_permille:" "$(printf '%s\n' "$chem" | sed 's/"tolerance_permille":0/"tolerance_permille":1001/')"
reject "a time with a fraction" BAD_FIELD "time:" "$(printf '%s\n' "$sale" | sed 's/T08:00:00Z/T08:00:00.5Z/')"
reject "a time without an offset" BAD_FIELD "time:" "$(printf '%s\n' "$sale" | sed 's/T08:00:00Z/T08:00:00/')"
reject "February 30" BAD_FIELD "time:" "$(printf '%s\n' "$sale" | sed 's/2024-12-19T/2024-02-30T/')"
reject "a genesis record" BAD_FIELD "type" "{\"type\":\"genesis\",\"id\":\"genesis-2\",$T,\"name\":\"Evil\",\"authority\":\"EVIL\",\"key\":\"$TVPUB\"}"
reject "a bad public key" BAD_FIELD "key:" "$(printf '%s\n' "$party" | sed "s|\"key\":\"[^\"]*\"|\"key\":\"AAAA\"|")"

# ---- wrong id syntax --------------------------------------------------------

reject "an id with a space" BAD_FIELD "id:" "$(printf '%s\n' "$sale" | sed 's/"id":"S-TEST-0001"/"id":"S TEST 0001"/')"
reject "an id with a slash" BAD_FIELD "id:" "$(printf '%s\n' "$sale" | sed 's/"id":"S-TEST-0001"/"id":"S\/TEST"/')"
reject "an empty id" BAD_FIELD "id:" "$(printf '%s\n' "$sale" | sed 's/"id":"S-TEST-0001"/"id":""/')"
reject "a non-ASCII id" BAD_FIELD "id:" "$(printf '%s\n' "$sale" | sed 's/"id":"S-TEST-0001"/"id":"S-测试"/')"
reject "a signer id with a space" BAD_FIELD "signer:" "$(printf '%s\n' "$sale" | sed 's/"signer":"SD-PROD-003"/"signer":"SD PROD 003"/')"
reject "a batch id with a '!'" BAD_FIELD "batch:" "$(printf '%s\n' "$sale" | sed 's/"batch":"AA-240415-02"/"batch":"AA-240415-02!"/')"
reject "a licence no with a space" BAD_FIELD "licences[0].no" "$(printf '%s\n' "$party" | sed 's/"no":"TV-SELL-1"/"no":"TV SELL 1"/')"
reject "a label with a space" BAD_FIELD "label:" "$(printf '%s\n' "$batch" | sed 's/"label":"[^"]*"/"label":"6920571049999 AATEST01"/')"

# ---- quantities --------------------------------------------------------------

q() { printf '%s\n' "$sale" | sed "s/\"quantity\":\"10.000\",\"uom\":\"LTR\"/\"quantity\":\"$1\",\"uom\":\"$2\"/"; }
reject "quantity zero" BAD_FIELD "quantity:" "$(q 0 LTR)"
reject "quantity 0.000" BAD_FIELD "quantity:" "$(q 0.000 LTR)"
reject "quantity negative" BAD_FIELD "quantity:" "$(q -10.000 LTR)"
reject "quantity with a plus" BAD_FIELD "quantity:" "$(q +10.000 LTR)"
reject "quantity too precise" BAD_FIELD "quantity:" "$(q 10.0001 LTR)"
reject "quantity in MLT with decimals" BAD_FIELD "quantity:" "$(q 10.5 MLT)"
reject "quantity too large (LTR)" BAD_FIELD "quantity:" "$(q 1000000000000.001 LTR)"
reject "quantity too large (MLT)" BAD_FIELD "quantity:" "$(q 1000000000000001 MLT)"
reject "quantity far too large" BAD_FIELD "quantity:" "$(q 99999999999999999999999 LTR)"
reject "quantity with an exponent" BAD_FIELD "quantity:" "$(q 1e3 LTR)"
reject "quantity with a leading zero" BAD_FIELD "quantity:" "$(q 010.000 LTR)"
reject "quantity with a comma" BAD_FIELD "quantity:" "$(q 10,000 LTR)"
reject "quantity empty" BAD_FIELD "quantity:" "$(q '' LTR)"
reject "an unknown unit" BAD_FIELD "uom:" "$(q 10.000 TNE)"
reject "a lower-case unit" BAD_FIELD "uom:" "$(q 10.000 ltr)"
reject "a limit of zero" BAD_FIELD "limit.quantity" "$(printf '%s\n' "$party" | sed 's/"valid_until":"2025-12-31T23:59:59Z"/&,"limit":{"quantity":"0","uom":"LTR"}/')"

# ---- a unit of the wrong measure (signed: only the measure is wrong) ----------

reject "a sale of a volume chemical in KGM" WRONG_MEASURE "uom:" \
	"$(printf '%s\n' "$SALE" | sed 's/"uom":"LTR"/"uom":"KGM"/' | sign_as SD-PROD-003)"
reject "a sale of a volume chemical in GRM" WRONG_MEASURE "uom:" \
	"$(printf '%s\n' "$SALE" | sed 's/"quantity":"10.000","uom":"LTR"/"quantity":"10000","uom":"GRM"/' | sign_as SD-PROD-003)"
reject "a batch of a volume chemical in KGM" WRONG_MEASURE "uom:" \
	"$(printf '%s\n' "$BATCH" | sed 's/"uom":"LTR"/"uom":"KGM"/' | sign_as SD-PROD-003)"
reject "a handoff in KGM" WRONG_MEASURE "uom:" \
	"$(printf '%s\n' "$HANDOFF" | sed 's/"uom":"LTR"/"uom":"KGM"/' | sign_as ZJ-DIST-008)"
reject "a check in KGM" WRONG_MEASURE "uom:" \
	"$(printf '%s\n' "$CHECK" | sed 's/"uom":"LTR"/"uom":"KGM"/' | sign_as HN-POLICE-NCB)"
reject "a loss of a mass chemical in LTR" WRONG_MEASURE "uom:" \
	"$(printf '%s\n' "$LOSS" | sed 's/"batch":"AA-240415-02"/"batch":"KMN-240506-01"/' | sign_as HN-DIST-017)"
reject "a chemical re-registered with another measure" BAD_FIELD "measure:" \
	"$(printf '%s\n' "$CHEM" | sed 's/"id":"chem-103-79-7"/"id":"chem-108-24-7-mass"/; s/"cas":"103-79-7"/"cas":"108-24-7"/; s/"measure":"volume"/"measure":"mass"/' | sign_as MPS-NCC)"

# ---- CAS check digit ---------------------------------------------------------

reject "a batch CAS with a wrong check digit" BAD_FIELD "cas:" "$(printf '%s\n' "$batch" | sed 's/"cas":"108-24-7"/"cas":"108-24-8"/')"
contains "the CAS message says check digit" "check digit" "$(cat "$TMP/out")"
reject "a chemical CAS with a wrong check digit" BAD_FIELD "cas:" "$(printf '%s\n' "$chem" | sed 's/103-79-7/103-79-6/g')"
reject "a CAS of the wrong shape" BAD_FIELD "cas:" "$(printf '%s\n' "$batch" | sed 's/"cas":"108-24-7"/"cas":"108247"/')"

# ---- unknown signer and references (signed: only the reference is wrong) ------

reject "an unknown signer" UNKNOWN_SIGNER "signer:" \
	"$(printf '%s\n' "$SALE" | sed 's/"signer":"SD-PROD-003"/"signer":"NOBODY-999"/' | sign_as SD-PROD-003)"
contains "the unknown signer is named" "NOBODY-999" "$(cat "$TMP/out")"
reject "an unknown authority" UNKNOWN_SIGNER "signer:" \
	"$(printf '%s\n' "$CHEM" | sed 's/"signer":"MPS-NCC"/"signer":"MPS-NCC-2"/' | sign_as MPS-NCC)"
reject "an unknown batch" UNKNOWN_REF "batch:" \
	"$(printf '%s\n' "$SALE" | sed 's/"batch":"AA-240415-02"/"batch":"AA-999999-99"/' | sign_as SD-PROD-003)"
reject "a loss of an unknown batch" UNKNOWN_REF "batch:" \
	"$(printf '%s\n' "$LOSS" | sed 's/"batch":"AA-240415-02"/"batch":"NO-SUCH-BATCH"/' | sign_as HN-DIST-017)"
reject "an unknown buyer" UNKNOWN_REF "buyer:" \
	"$(printf '%s\n' "$SALE" | sed 's/"buyer":"HN-DIST-017"/"buyer":"NOBODY-1"/' | sign_as SD-PROD-003)"
reject "an unknown carrier" UNKNOWN_REF "carrier:" \
	"$(printf '%s\n' "$SALE" | sed 's/"carrier":"HN-HAZ-004"/"carrier":"NOBODY-2"/' | sign_as SD-PROD-003)"
reject "a handoff of an unknown sale" UNKNOWN_REF "sale:" \
	"$(printf '%s\n' "$HANDOFF" | sed 's/"sale":"S-JS-PROD-001-00519"/"sale":"S-NOPE"/' | sign_as ZJ-DIST-008)"
reject "a check of a batch record, not a sale" UNKNOWN_REF "sale:" \
	"$(printf '%s\n' "$CHECK" | sed 's/"sale":"S-SD-PROD-003-00337"/"sale":"B-AA-240415-02"/' | sign_as HN-POLICE-NCB)"
reject "a batch of an unregistered chemical" UNKNOWN_REF "cas:" \
	"$(printf '%s\n' "$BATCH" | sed 's/"cas":"108-24-7"/"cas":"103-79-7"/' | sign_as SD-PROD-003)"
reject "a revoke of an unknown party" UNKNOWN_REF "party:" \
	"$(printf '%s\n' "$REVOKE" | sed 's/"party":"GD-DIST-021"/"party":"NOBODY-3"/' | sign_as MPS-NCC)"
reject "a revoke of another party's licence" UNKNOWN_REF "licence:" \
	"$(printf '%s\n' "$REVOKE" | sed 's/"licence":"GD-BUY-2024-8194"/"licence":"HN-BUY-2024-1565"/' | sign_as MPS-NCC)"
reject "a revoke of an unknown licence" UNKNOWN_REF "licence:" \
	"$(printf '%s\n' "$REVOKE" | sed 's/"licence":"GD-BUY-2024-8194"/"licence":"GD-NOPE-1"/' | sign_as MPS-NCC)"

# ---- bad and non-canonical signatures ------------------------------------------

s=$(printf '%s\n' "$sale" | sig_of)
first=$(printf '%s' "$s" | cut -c 1)
if [ "$first" = A ]; then other=B; else other=A; fi
reject "a signature with one character changed" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | set_sig "$other${s#?}")"
reject "a record changed after signing" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | sed 's/"quantity":"10.000"/"quantity":"11.000"/')"
reject "a buyer changed after signing" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | sed 's/"buyer":"HN-DIST-017"/"buyer":"GD-DIST-021"/')"
reject "signed with another party's key" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$SALE" | sign_as HN-DIST-017)"
reject "another record's signature" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | set_sig "$(printf '%s\n' "$loss" | sig_of)")"
nc=$(noncanonical "$s")
eq "the non-canonical signature is 88 characters" 88 "${#nc}"
ok "the non-canonical signature keeps R" test "$(printf '%s' "$nc" | cut -c 1-42)" = "$(printf '%s' "$s" | cut -c 1-42)"
ok "the non-canonical signature changes S" test "$nc" != "$s"
reject "a non-canonical signature (S + L)" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | set_sig "$nc")"
reject "a signature of 3 bytes" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | set_sig AAAA)"
reject "a signature with padding bits set" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | set_sig "$(printf '%s' "$s" | cut -c 1-85)B==")"
reject "a signature that is not base64" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | set_sig "$(printf '%s' "$s" | cut -c 1-86)!=")"
reject "an all-zero signature" BAD_SIGNATURE "sig:" "$(printf '%s\n' "$sale" | set_sig "$(head -c 64 /dev/zero | base64 | tr -d '\n')")"
# JS-SAMR's key was rotated at seq 201: its old key no longer signs for it
reject "a check signed with a rotated-out key" BAD_SIGNATURE "sig:" \
	"$(printf '%s\n' "$CHECK" | sed 's/"signer":"HN-POLICE-NCB"/"signer":"JS-SAMR"/' | sign_as JS-SAMR)"
cp -r "$L" "$TMP/C4"
contains "... while its new key does" '"status":"appended"' \
	"$(printf '%s\n' "$CHECK" | sed 's/"signer":"HN-POLICE-NCB"/"signer":"JS-SAMR"/' | sign_as JS-SAMR.2 | cl submit -d "$TMP/C4" 2>/dev/null)"

# ---- a signer without the role ------------------------------------------------

reject "a sale signed by an inspector" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$SALE" | sed 's/"signer":"SD-PROD-003"/"signer":"HN-POLICE-NCB"/' | sign_as HN-POLICE-NCB)"
contains "the role message names the roles" "vendor" "$(cat "$TMP/out")"
reject "a check signed by a producer" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$CHECK" | sed 's/"signer":"HN-POLICE-NCB"/"signer":"SD-PROD-003"/' | sign_as SD-PROD-003)"
reject "a chemical signed by a producer" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$CHEM" | sed 's/"signer":"MPS-NCC"/"signer":"SD-PROD-003"/' | sign_as SD-PROD-003)"
reject "a party signed by a vendor" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$PARTY" | sed 's/"signer":"MPS-NCC"/"signer":"HN-DIST-017"/' | sign_as HN-DIST-017)"
reject "a revoke signed by an inspector" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$REVOKE" | sed 's/"signer":"MPS-NCC"/"signer":"JS-SAMR"/' | sign_as JS-SAMR.2)"
reject "an import batch signed by a producer" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$BATCH" | sed 's/"origin":"production"/"origin":"import"/' | sign_as SD-PROD-003)"
reject "a production batch signed by an importer" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$BATCH" | sed 's/"signer":"SD-PROD-003"/"signer":"SH-IMP-005"/' | sign_as SH-IMP-005)"
reject "a batch signed by a carrier" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$BATCH" | sed 's/"signer":"SD-PROD-003"/"signer":"HN-HAZ-004"/' | sign_as HN-HAZ-004)"
reject "a loss signed by an inspector" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$LOSS" | sed 's/"signer":"HN-DIST-017"/"signer":"HN-POLICE-NCB"/' | sign_as HN-POLICE-NCB)"
reject "a sale signed by an end user" ROLE_NOT_ALLOWED "signer:" \
	"$(printf '%s\n' "$SALE" | sed 's/"signer":"SD-PROD-003"/"signer":"ZJ-PHARMA-031"/' | sign_as ZJ-PHARMA-031)"

# ---- a revoked signer -----------------------------------------------------------

# The authority registers a test vendor (keygen key), which signs a loss;
# the authority revokes it; its next record is refused.  The registration,
# the loss and the revoke are appended; only the last one is the bad input.
tv_loss=$(printf '%s\n' "$LOSS" | sed 's/"signer":"HN-DIST-017"/"signer":"TEST-VENDOR-1"/; s/L-TEST-0001/L-TV-0001/' |
	cl sign -k "$TMP/test-vendor.pem")
tv_revoke=$(printf '%s\n' "{\"type\":\"revoke\",\"id\":\"R-TV-1\",\"time\":\"2024-12-19T09:00:00Z\",\"signer\":\"MPS-NCC\",\"party\":\"TEST-VENDOR-1\",\"reason\":\"licence withdrawn\"}" | sign_as MPS-NCC)
printf '%s\n' "$party" "$tv_loss" "$tv_revoke" > "$TMP/tv.jsonl"
cl submit -d "$L" "$TMP/tv.jsonl" > "$TMP/tv.out" 2>/dev/null
eq "test vendor: registered, its loss recorded, revoked" 3 "$(grep -c '"status":"appended"' "$TMP/tv.out")"
reject "a sale by a revoked party" REVOKED_SIGNER "signer:" \
	"$(printf '%s\n' "$SALE" | sed 's/"signer":"SD-PROD-003"/"signer":"TEST-VENDOR-1"/; s/S-TEST-0001/S-TV-0002/' | cl sign -k "$TMP/test-vendor.pem")"
contains "the revoked signer is named" "TEST-VENDOR-1" "$(cat "$TMP/out")"
reject "a loss by a revoked party" REVOKED_SIGNER "signer:" \
	"$(printf '%s\n' "$LOSS" | sed 's/"signer":"HN-DIST-017"/"signer":"TEST-VENDOR-1"/; s/L-TEST-0001/L-TV-0003/' | cl sign -k "$TMP/test-vendor.pem")"
# revoking one licence does not revoke the party (ZJ-DIST-008 lost its buy licence at seq 367)
cp -r "$L" "$TMP/C5"
contains "a licence revoke leaves the party able to sign" '"status":"appended"' \
	"$(printf '%s\n' "$HANDOFF" | sign_as ZJ-DIST-008 | cl submit -d "$TMP/C5" 2>/dev/null)"

# ---- duplicate ids ----------------------------------------------------------------

reject "an existing id with other content" DUPLICATE_ID "id:" \
	"$(printf '%s\n' "$SALE" | sed 's/"id":"S-TEST-0001"/"id":"S-SD-PROD-003-00337"/' | sign_as SD-PROD-003)"
contains "the duplicate names the entry" "entry 109" "$(cat "$TMP/out")"
reject "an existing batch id under a new record id" DUPLICATE_ID "batch:" \
	"$(printf '%s\n' "$BATCH" | sed 's/"batch":"AA-TEST-01"/"batch":"AA-240415-02"/' | sign_as SD-PROD-003)"
reject "an existing label" DUPLICATE_ID "label:" \
	"$(printf '%s\n' "$BATCH" | sed 's/"label":"[^"]*"/"label":"6920571043548-AA240415-02"/' | sign_as SD-PROD-003)"
reject "another party's licence number" DUPLICATE_ID "licences[0].no" \
	"$(printf '%s\n' "$PARTY" | sed 's/TEST-VENDOR-1/TEST-VENDOR-2/g; s/"no":"TV-SELL-1"/"no":"HN-SELL-2024-9729"/' | sign_as MPS-NCC)"
reject "a licence listed twice" BAD_FIELD "licences[1].no" \
	"$(printf '%s\n' "$PARTY" | sed 's/TEST-VENDOR-1/TEST-VENDOR-3/g; s/TV-SELL-1/TV3-SELL-1/; s/"licences":\[\(.*\)\]/"licences":[\1,\1]/' | sign_as MPS-NCC)"
# an identical record is not an error: duplicate, nothing changes
before=$(snapshot)
line110=$(sed -n 110p "$TMP/world.signed.jsonl")
out=$(printf '%s\n' "$line110" | cl submit -d "$L" 2>/dev/null)
eq "an identical record: exit 0" 0 "$?"
eq "an identical record: duplicate of entry 110" "{\"line\":1,\"id\":\"H-HN-DIST-017-00115\",\"status\":\"duplicate\",\"seq\":110,\"hash\":\"$(sed -n 110p "$TMP/world.submit.out" | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/')\"}" "$out"
eq "an identical record: nothing changed" "$before" "$(snapshot)"

# ---- business-rule problems are recorded, not rejected (SPEC §4) -------------------

cp -r "$L" "$TMP/C6"
nolic=$(printf '%s\n' "$SALE" | sed 's/"buyer_licence":"HN-BUY-2024-1565"/"buyer_licence":"NO-SUCH-LICENCE"/; s/S-TEST-0001/S-TEST-0009/' | sign_as SD-PROD-003)
wrongrx=$(printf '%s\n' "$HANDOFF" | sed 's/"signer":"ZJ-DIST-008"/"signer":"GD-DIST-021"/' | sign_as GD-DIST-021)
over=$(printf '%s\n' "$SALE" | sed 's/"quantity":"10.000"/"quantity":"99999.000"/; s/S-TEST-0001/S-TEST-0010/' | sign_as SD-PROD-003)
printf '%s\n' "$nolic" "$wrongrx" "$over" > "$TMP/rules.jsonl"
cl submit -d "$TMP/C6" "$TMP/rules.jsonl" > "$TMP/rules.out" 2> "$TMP/rules.err"
eq "business-rule problems: exit 0" 0 "$?"
eq "business-rule problems: all three appended" 3 "$(grep -c '"status":"appended"' "$TMP/rules.out")"
contains "an unknown buyer_licence: warned" "UNLICENSED_BUYER" "$(cat "$TMP/rules.err")"
contains "a handoff by someone else than the buyer: warned" "WRONG_RECEIVER" "$(cat "$TMP/rules.err")"
# a CRLF line is one line
contains "a CRLF line: appended" '"status":"appended"' \
	"$(printf '%s\r\n' "$(printf '%s\n' "$SALE" | sed 's/S-TEST-0001/S-TEST-0011/' | sign_as SD-PROD-003)" | cl submit -d "$TMP/C6" 2>/dev/null)"

# ---- several bad lines in one file ----------------------------------------------

before=$(snapshot)
{
	printf '%s\n' "not json"
	printf '%s\n' "$sale" | sed 's/"quantity":"10.000"/"quantity":"0"/'
	printf '%s\n' "$sale" | set_sig "$nc"
	printf '%s\n' "$SALE" | sed 's/"signer":"SD-PROD-003"/"signer":"NOBODY-999"/' | sign_as SD-PROD-003
} > "$TMP/four.jsonl"
cl submit -d "$L" "$TMP/four.jsonl" > "$TMP/four.out" 2>/dev/null
eq "four bad lines: exit 1" 1 "$?"
eq "four bad lines: four results" 4 "$(lines "$TMP/four.out")"
eq "four bad lines: the codes in order" "MALFORMED_JSON BAD_FIELD BAD_SIGNATURE UNKNOWN_SIGNER" \
	"$(sed -n 's/.*"error":"\([A-Z_]*\)".*/\1/p' "$TMP/four.out" | tr '\n' ' ' | sed 's/ $//')"
eq "four bad lines: line numbers" "1 2 3 4" "$(sed -n 's/^{"line":\([0-9]*\),.*/\1/p' "$TMP/four.out" | tr '\n' ' ' | sed 's/ $//')"
eq "four bad lines: nothing changed" "$before" "$(snapshot)"

# ---- ledger directories that are not ledgers ---------------------------------------

dir_error() {
	desc=$1; shift
	cl "$@" > "$TMP/out" 2> "$TMP/err"
	eq "$desc: exit 2" 2 "$?"
	eq "$desc: nothing on stdout" "" "$(cat "$TMP/out")"
	eq "$desc: one line on stderr" 1 "$(lines "$TMP/err")"
}
printf '%s\n' "$sale" > "$TMP/sale.jsonl"
mkdir -m 700 "$TMP/empty"
: > "$TMP/plainfile"
cp -r "$L" "$TMP/open"
chmod 777 "$TMP/open"
for cmd in "submit:$TMP/sale.jsonl" head log "get:0" "trail:AA-240415-02" "export:-o:$TMP/x.export"; do
	c=${cmd%%:*}
	rest=$(printf '%s' "$cmd" | cut -s -d : -f 2- | tr ':' ' ')
	# shellcheck disable=SC2086
	dir_error "$c on a missing directory" "$c" -d "$TMP/no/such/ledger" $rest
	contains "$c on a missing directory: names it" "$TMP/no/such/ledger" "$(cat "$TMP/err")"
	# shellcheck disable=SC2086
	dir_error "$c on an empty directory" "$c" -d "$TMP/empty" $rest
	contains "$c on an empty directory: says it is not a ledger" "not a chemledger ledger" "$(cat "$TMP/err")"
	# shellcheck disable=SC2086
	dir_error "$c on a plain file" "$c" -d "$TMP/plainfile" $rest
	# shellcheck disable=SC2086
	dir_error "$c on a world-writable directory" "$c" -d "$TMP/open" $rest
done
ok "nothing was created in the missing directory's place" test ! -e "$TMP/no"
ok "nothing was created in the empty directory" test -z "$(ls -A "$TMP/empty")"
ok "no export was written" test ! -e "$TMP/x.export"

# ---- key files that are not Ed25519 private keys -------------------------------------

printf '%s\n' "$SALE" > "$TMP/unsigned.jsonl"
for k in rsa.pem ec-p256.pem ed25519-public.pem not-a-key.pem; do
	dir_error "sign with $k" sign -k "$FIX/bad/$k" "$TMP/unsigned.jsonl"
	contains "sign with $k: names the key file" "$k" "$(cat "$TMP/err")"
	dir_error "pubkey of $k" pubkey -k "$FIX/bad/$k"
done
dir_error "sign with a missing key file" sign -k "$TMP/missing.pem" "$TMP/unsigned.jsonl"
dir_error "sign with a directory as key" sign -k "$TMP/empty" "$TMP/unsigned.jsonl"
: > "$TMP/empty.pem"
dir_error "sign with an empty key file" sign -k "$TMP/empty.pem" "$TMP/unsigned.jsonl"
head -c 60 "$K/SD-PROD-003.pem" > "$TMP/cut.pem"
dir_error "sign with a truncated key file" sign -k "$TMP/cut.pem" "$TMP/unsigned.jsonl"
openssl genpkey -algorithm ed448 -out "$TMP/ed448.pem" 2>/dev/null
dir_error "sign with an Ed448 key" sign -k "$TMP/ed448.pem" "$TMP/unsigned.jsonl"
openssl genpkey -algorithm x25519 -out "$TMP/x25519.pem" 2>/dev/null
dir_error "sign with an X25519 key" sign -k "$TMP/x25519.pem" "$TMP/unsigned.jsonl"

# The ledger itself never changed through all of it but for the test vendor.
eq "the ledger: 369 + 3 entries" '{"seq":371,' "$(cl head -d "$L" | cut -c 1-11)"

finish
