#!/bin/sh
# chemverify against the fixtures of fixtures/verify/ (see README.md there):
# one small world per finding code of SPEC §6, plus forged, deleted,
# reordered, truncated, spliced, re-signed and rehashed chains, and a clean
# one.  For every case the exact multiset of (code, seq, id) that
# `chemverify --json` reports must equal the case's expected.tsv, every
# severity must be the one SPEC §6 gives its code, and the exit status must
# be 1 when an error or alert is expected, else 0.  Every case is checked
# with --export and with -d DIR: the real ledger, or for a forged export its
# entries loaded into LMDB (all but the cut streams, which have no LMDB form).
. "$(dirname "$0")/lib.sh"
. "$FIX/verify/build.sh"

severity_of() {
	case $1 in
	MALFORMED_ENTRY | SEQ_GAP | BROKEN_LINK | BROKEN_BATCH_LINK | BAD_SIGNATURE | UNKNOWN_SIGNER | \
		ROLE_NOT_ALLOWED | REVOKED_SIGNER | DUPLICATE_ID | UNKNOWN_REF) echo error ;;
	OVERDRAWN | CHECK_MISMATCH | HANDOFF_MISMATCH | WRONG_RECEIVER | DOUBLE_HANDOFF | UNLICENSED_BUYER | \
		UNLICENSED_SELLER | LICENCE_LIMIT | TIME_ORDER) echo alert ;;
	OPEN_SALE) echo notice ;;
	*) echo "?" ;;
	esac
}
ALL_CODES="MALFORMED_ENTRY SEQ_GAP BROKEN_LINK BROKEN_BATCH_LINK BAD_SIGNATURE UNKNOWN_SIGNER ROLE_NOT_ALLOWED
REVOKED_SIGNER DUPLICATE_ID UNKNOWN_REF OVERDRAWN CHECK_MISMATCH HANDOFF_MISMATCH WRONG_RECEIVER DOUBLE_HANDOFF
UNLICENSED_BUYER UNLICENSED_SELLER LICENCE_LIMIT TIME_ORDER OPEN_SALE"

# The (code, seq, id) lines of an expected.tsv, sorted; '#' lines are comments.
expected_set() {
	sed -e '/^#/d' -e '/^[[:space:]]*$/d' "$1" | cut -f1-3 | LC_ALL=C sort
}
joined() { tr '\n' '|' | sed 's/|$//; s/|/ | /g'; }

# check_run DESC EXPECTED.tsv ENTRIES HEAD CHEMVERIFY-ARGS...
# ENTRIES and HEAD: what "entries" and "head" must be, or "" not to check.
check_run() {
	_desc=$1 _exp=$2 _entries=$3 _head=$4
	shift 4
	cv "$@" --json > "$W/out.json" 2> "$W/err"
	_rc=$?
	vf_findings "$W/out.json" > "$W/parsed"
	_want=$(expected_set "$_exp")
	_got=$(awk -F '\t' '$1 == "F" { print $2 "\t" $3 "\t" $4 }' "$W/parsed" | LC_ALL=C sort)
	eq "$_desc: findings" "$(printf '%s\n' "$_want" | joined)" "$(printf '%s\n' "$_got" | joined)"
	_wrc=0
	for _c in $(printf '%s\n' "$_want" | cut -f1); do
		[ "$(severity_of "$_c")" = notice ] || _wrc=1
	done
	eq "$_desc: exit status" "$_wrc" "$_rc"
	[ "$_rc" -gt 1 ] && sed 's/^/    stderr: /' "$W/err" | head -n 3
	_badsev=$(awk -F '\t' '$1 == "F" { print $2 "\t" $5 }' "$W/parsed" | while IFS="$(printf '\t')" read -r _c _s; do
		[ "$(severity_of "$_c")" = "$_s" ] || printf '%s=%s ' "$_c" "$_s"
	done)
	eq "$_desc: severities as in SPEC 6" "" "$_badsev"
	if [ -n "$_entries" ]; then
		eq "$_desc: entries" "$_entries" "$(awk -F '\t' '$1 == "M" && $2 == "entries" { print $3 }' "$W/parsed")"
		eq "$_desc: head" "$_head" "$(awk -F '\t' '$1 == "M" && $2 == "head" { print $3 }' "$W/parsed")"
		# The readable report gives the same verdict; one thread gives the
		# same output, byte for byte, as the default (one per CPU).
		status "$_desc: exit status without --json" "$_rc" cv "$@"
		cv "$@" --json --jobs 1 > "$W/out1.json" 2>/dev/null
		ok "$_desc: --jobs 1 gives the same output" cmp -s "$W/out.json" "$W/out1.json"
	fi
}

# run_recipe CASE-DIR IN: applies the forge steps of CASE-DIR/recipe to the
# export IN; prints the path of the result.  Tokens: INJECT (the case's
# inject.jsonl, signed), OTHER (the export of a second ledger holding the
# same records under another genesis), KEYS/<file> (a TEST key).
run_recipe() {
	_cur=$2 _n=0
	set -f
	while IFS= read -r _line; do
		case $_line in '' | '#'*) continue ;; esac
		set -- $_line
		_flags=
		while [ $# -gt 0 ]; do
			case $1 in -*) _flags="$_flags $1"; shift ;; *) break ;; esac
		done
		_cmd=$1
		shift
		_args=
		for _a; do
			case $_a in
			INJECT) _a=$W/inject.signed.jsonl ;;
			OTHER) _a=$W/other.export ;;
			KEYS/*) _a=$FIX/keys/${_a#KEYS/} ;;
			esac
			_args="$_args $_a"
		done
		_n=$((_n + 1))
		_next=$W/step$_n.export
		if [ "$_cmd" = splice ]; then
			set -- $_args
			"$FORGE" $_flags splice "$_cur" "$1" "$_next" "$2" || return 1
		else
			"$FORGE" $_flags "$_cmd" "$_cur" "$_next" $_args || return 1
		fi
		_cur=$_next
	done < "$1/recipe"
	set +f
	echo "$_cur"
}

vf_require

covered=""
for dir in "$VF"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	[ -f "$dir/expected.tsv" ] || continue
	W=$TMP/$name
	mkdir -p "$W"
	L=$W/ledger
	built=1
	vf_base "$L" || built=0
	if [ "$built" = 1 ] && [ -f "$dir/records.jsonl" ]; then
		vf_sign "$dir/records.jsonl" "$W/records.signed.jsonl" "$dir/keys.tsv" && vf_submit "$L" "$W/records.signed.jsonl" ||
			{ built=0; cat "$L.submit.out" "$L.submit.err" >&2; }
	fi
	[ "$built" = 1 ] && { cl export -d "$L" -o "$W/ledger.export" || built=0; }
	final=$W/ledger.export
	if [ "$built" = 1 ] && [ -f "$dir/recipe" ]; then
		if [ -f "$dir/inject.jsonl" ]; then
			vf_sign "$dir/inject.jsonl" "$W/inject.signed.jsonl" "$dir/keys.tsv" || built=0
		fi
		if grep -q OTHER "$dir/recipe"; then
			vf_base "$W/other" "chemverify fixtures, copy B (TEST ONLY keys)" &&
				cl export -d "$W/other" -o "$W/other.export" || built=0
		fi
		[ "$built" = 1 ] && { final=$(run_recipe "$dir" "$final") || built=0; }
	fi
	if [ "$built" = 0 ]; then
		_fail "$name: the fixture does not build"
		continue
	fi
	_pass
	covered="$covered $(expected_set "$dir/expected.tsv" | cut -f1 | tr '\n' ' ')"

	# What entries/head must say: the stream's own, unless it has no trailer.
	entries="" head=""
	if ! grep -q -- '-T' "$dir/recipe" 2>/dev/null; then
		"$FORGE" list "$final" > "$W/list" 2>/dev/null
		entries=$(wc -l < "$W/list" | tr -d ' ')
		head=$(tail -n 1 "$W/list" | cut -f5)
	fi
	check_run "$name --export" "$dir/expected.tsv" "$entries" "$head" --export "$final"
	# The same chain as an LMDB ledger: the real one, or for a forged
	# export its entries loaded into a fresh `entries` database (keys: the
	# entries' seqs).  A stream without trailer has no LMDB equivalent.
	if [ ! -f "$dir/recipe" ]; then
		h=$(cl head -d "$L")
		hseq=$(printf '%s' "$h" | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
		hhash=$(printf '%s' "$h" | sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p')
		eq "$name: the export's head is the ledger's" "$hhash" "$head"
		check_run "$name -d" "$dir/expected.tsv" "$((hseq + 1))" "$hhash" -d "$L"
	elif [ -n "$entries" ]; then
		L=$W/forged
		mkdir -m 700 "$L" && "$FORGE" dump "$final" > "$W/forged.dump" &&
			mdb_load -f "$W/forged.dump" "$L" && chmod 600 "$L"/*.mdb
		ok "$name: loads into LMDB" test -f "$L/data.mdb"
		check_run "$name -d" "$dir/expected.tsv" "$entries" "$head" -d "$L"
	else
		L=""
	fi
	if [ -f "$dir/variants" ]; then
		while IFS="$(printf '\t')" read -r vname vargs; do
			[ -n "$vname" ] || continue
			set -f
			check_run "$name $vargs --export" "$dir/expected.$vname.tsv" "" "" --export "$final" $vargs
			[ -z "$L" ] || check_run "$name $vargs -d" "$dir/expected.$vname.tsv" "" "" -d "$L" $vargs
			set +f
		done < "$dir/variants"
	fi
done

# An export read from stdin (--export -) gives the same output as from its file.
if [ -f "$TMP/clean/ledger.export" ]; then
	cv --export "$TMP/clean/ledger.export" --json > "$TMP/stdin.want" 2>&1
	cv --export - --json < "$TMP/clean/ledger.export" > "$TMP/stdin.got" 2>&1
	ok "clean: --export - reads stdin" cmp -s "$TMP/stdin.want" "$TMP/stdin.got"
fi

# Every code of SPEC §6 is expected by at least one fixture.
missing=""
for c in $ALL_CODES; do
	case " $covered " in *" $c "*) ;; *) missing="$missing $c" ;; esac
done
eq "every SPEC 6 code has a fixture" "" "$missing"
finish
