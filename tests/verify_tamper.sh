#!/bin/sh
# Tampering that chemverify must always notice:
#  (a) every single byte of a small export flipped (xor 0x01), one at a time:
#      never a clean verdict, never a crash (exit 1 with findings, or exit 2
#      with an error; anything else, or a signal, fails)
#  (b) one entry's value changed inside the LMDB file (mdb_dump/mdb_load)
#  (c) one entry deleted from the LMDB file
# Under CL_VALGRIND=1, (a) checks every 61st byte only; with a sanitizer
# build of chemverify (make check-asan), every 7th.
. "$(dirname "$0")/lib.sh"
. "$FIX/verify/build.sh"

vf_require

# findings FILE: "code seq id" of a chemverify --json output, sorted, joined by " | "
findings() {
	vf_findings "$1" | awk -F '\t' '$1 == "F" { print $2 " " $3 " " $4 }' | LC_ALL=C sort | tr '\n' '|' |
		sed 's/|$//; s/|/ | /g'
}

# ---- (a) every byte of a small export ------------------------------------
S=$TMP/small
head -n 13 "$VF/base.jsonl" > "$TMP/small.jsonl"
vf_sign "$TMP/small.jsonl" "$TMP/small.signed.jsonl" && vf_init "$S" && vf_submit "$S" "$TMP/small.signed.jsonl" &&
	cl export -d "$S" -o "$TMP/small.export"
ok "the small world builds" test -s "$TMP/small.export"
cv --export "$TMP/small.export" --json > "$TMP/small.json"
eq "the small world is clean (exit 0)" 0 "$?"
eq "the small world: no findings" "" "$(findings "$TMP/small.json")"
eq "the small world: 14 entries" 14 "$(vf_findings "$TMP/small.json" | awk -F '\t' '$2 == "entries" { print $3 }')"

size=$(wc -c < "$TMP/small.export" | tr -d ' ')
# Every byte; under valgrind every 61st, under a sanitizer build (each run
# is ~15 times slower) every 7th, to stay within about a minute.
step=1
grep -q __asan_init "$ROOT/bin/chemverify" 2>/dev/null && step=7
[ "${CL_VALGRIND:-0}" = 1 ] && step=61
off=0 checked=0 by_finding=0 by_error=0 bad=""
F=$TMP/flipped.export
while [ "$off" -lt "$size" ]; do
	"$FORGE" flip "$TMP/small.export" "$F" "$off" || { bad="$bad $off:forge"; off=$((off + step)); continue; }
	cv --export "$F" --json > "$TMP/flip.out" 2> "$TMP/flip.err"
	rc=$?
	checked=$((checked + 1))
	case $rc in
	1)
		# (one JSON line: read it with the shell, no process per offset)
		IFS= read -r out < "$TMP/flip.out"
		case $out in
		*'"code":"'*) by_finding=$((by_finding + 1)) ;;
		*) bad="$bad $off:exit1-without-finding" ;;
		esac ;;
	2)
		if [ -s "$TMP/flip.err" ]; then by_error=$((by_error + 1)); else bad="$bad $off:exit2-silent"; fi ;;
	*) bad="$bad $off:exit$rc" ;;
	esac
	off=$((off + step))
done
echo "byte flips: $checked of $size bytes checked (step $step): $by_finding with findings (exit 1), $by_error refused (exit 2), $(echo $bad | wc -w | tr -d ' ') bad"
eq "every flipped byte is noticed" "" "$(echo $bad | cut -c1-600)"
eq "every byte offset was checked" "$(((size + step - 1) / step))" "$checked"

# ---- (b), (c): the LMDB file ---------------------------------------------
B=$TMP/base
vf_base "$B"
mdb_dump -a "$B" > "$TMP/base.dump" 2>/dev/null
ok "mdb_dump of the base world" test -s "$TMP/base.dump"
base_head=$(cl head -d "$B" | sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p')

# lmdb_edit OUT-DIR SEQ EDIT...: a fresh LMDB copy of the base ledger whose
# `entries` value for SEQ was edited on its hex form:
#   flip HEX       xor 0x01 into the byte right after the bytes HEX
#   replace A B    the bytes A become the bytes B
#   delete         the entry is removed
# Fails when the edit found nothing to change.
lmdb_edit() {
	_out=$1 _key=$(printf ' %016x' "$2")
	shift 2
	awk -v key="$_key" -v op="$1" -v a="${2:-}" -v b="${3:-}" '
		BEGIN { hex = "0123456789abcdef"; xor1 = "1032547698badcfe"; done = 0 }
		/^database=/ { db = substr($0, 10) }
		db == "entries" && $0 == key {
			getline v
			if (op == "delete") { done = 1; next }
			i = index(v, a)
			if (i == 0) exit 3
			if (op == "flip") {
				p = i + length(a) + 1
				c = substr(v, p, 1)
				v = substr(v, 1, p - 1) substr(xor1, index(hex, c), 1) substr(v, p + 1)
			} else {
				v = substr(v, 1, i - 1) b substr(v, i + length(a))
			}
			print key
			print v
			done = 1
			next
		}
		{ print }
		END { if (!done) exit 3 }
	' "$TMP/base.dump" > "$TMP/edit.dump" || return 1
	mkdir -m 700 "$_out" && mdb_load -f "$TMP/edit.dump" "$_out" 2>/dev/null && chmod 600 "$_out"/*.mdb
}

# (b1) one bit of the signature of entry 20 (the unused party JS-HAZ-011):
# its record no longer verifies, and its hash changed under entry 21.
ok "LMDB: flip a signature bit of entry 20" lmdb_edit "$TMP/b1" 20 flip a3736967c440
cv -d "$TMP/b1" --json > "$TMP/b1.json" 2> "$TMP/b1.err"
eq "LMDB signature bit: exit 1" 1 "$?"
eq "LMDB signature bit: findings" "BAD_SIGNATURE 20 party-JS-HAZ-011 | BROKEN_LINK 21 party-BJ-DIST-012" "$(findings "$TMP/b1.json")"

# (b2) the quantity of the last entry (H-DYE-0001: 500.000 -> 500.001 kg,
# within tolerance): nothing follows it in LMDB, so only its signature
# shows it; the head chemverify reports is no longer the ledger's own.
ok "LMDB: change the quantity of entry 47" lmdb_edit "$TMP/b2" 47 replace a87175616e74697479ce0007a120 a87175616e74697479ce0007a121
cv -d "$TMP/b2" --json > "$TMP/b2.json" 2> "$TMP/b2.err"
eq "LMDB quantity: exit 1" 1 "$?"
eq "LMDB quantity: findings" "BAD_SIGNATURE 47 H-DYE-0001" "$(findings "$TMP/b2.json")"
b2_head=$(vf_findings "$TMP/b2.json" | awk -F '\t' '$2 == "head" { print $3 }')
ok "LMDB quantity: head recomputed, not the ledger's [$b2_head]" test -n "$b2_head" -a "$b2_head" != "$base_head"

# (b3) a byte of entry 30 that makes it undecodable (the array header).
ok "LMDB: break the array header of entry 30" lmdb_edit "$TMP/b3" 30 replace " 9601" " 9701"
cv -d "$TMP/b3" --json > "$TMP/b3.json" 2> "$TMP/b3.err"
rc=$?
ok "LMDB header: exit 1 (got $rc)" test "$rc" = 1
contains "LMDB header: MALFORMED_ENTRY at 30" "MALFORMED_ENTRY 30 " "$(findings "$TMP/b3.json")"

# (c1) entry 20 deleted: the sequence jumps and entry 21 links to nothing.
ok "LMDB: delete entry 20" lmdb_edit "$TMP/c1" 20 delete
cv -d "$TMP/c1" --json > "$TMP/c1.json" 2> "$TMP/c1.err"
eq "LMDB delete 20: exit 1" 1 "$?"
eq "LMDB delete 20: findings" "BROKEN_LINK 21 party-BJ-DIST-012 | SEQ_GAP 21 party-BJ-DIST-012" "$(findings "$TMP/c1.json")"
eq "LMDB delete 20: 47 entries" 47 "$(vf_findings "$TMP/c1.json" | awk -F '\t' '$2 == "entries" { print $3 }')"

# (c2) the check K-HN-0002 (46) deleted: the next entry, of the same batch,
# also loses its batch link.
ok "LMDB: delete entry 46" lmdb_edit "$TMP/c2" 46 delete
cv -d "$TMP/c2" --json > "$TMP/c2.json" 2> "$TMP/c2.err"
eq "LMDB delete 46: exit 1" 1 "$?"
eq "LMDB delete 46: findings" "BROKEN_BATCH_LINK 47 H-DYE-0001 | BROKEN_LINK 47 H-DYE-0001 | SEQ_GAP 47 H-DYE-0001" "$(findings "$TMP/c2.json")"

# Control: the same dump loaded unchanged verifies clean.
mkdir -m 700 "$TMP/c0" && mdb_load -f "$TMP/base.dump" "$TMP/c0" 2>/dev/null && chmod 600 "$TMP/c0"/*.mdb
cv -d "$TMP/c0" --json > "$TMP/c0.json" 2>&1
eq "LMDB unchanged reload: exit 0" 0 "$?"
eq "LMDB unchanged reload: head" "$base_head" "$(vf_findings "$TMP/c0.json" | awk -F '\t' '$2 == "head" { print $3 }')"
finish
