# tests/lib.sh - sourced by every tests/*.sh scenario script.
#
#   cl ARGS...   runs bin/chemledger (under valgrind when CL_VALGRIND=1)
#   cv ARGS...   runs bin/chemverify (likewise)
#   ok DESC CMD...            passes when CMD exits 0
#   eq DESC WANT GOT          passes when the strings are equal
#   status DESC WANT CMD...   passes when CMD exits with status WANT
#   contains DESC NEEDLE HAYSTACK
#   build_world DIR           a ledger of the demo world (fixtures/world), fixed receive time
#   finish                    prints "NAME: N passed, M failed" and sets the exit status
# $TMP is a fresh directory removed at exit.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX=$ROOT/fixtures
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cltest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
chmod 700 "$TMP"
pass=0
failed=0
if [ "${CL_VALGRIND:-0}" = 1 ]; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
else
	VG=""
fi
# Reproducible receive times unless a test sets its own.
CHEMLEDGER_TIME=${CHEMLEDGER_TIME:-2024-12-20T00:00:00Z}
export CHEMLEDGER_TIME
unset CHEMLEDGER_DIR

cl() { $VG "$ROOT/bin/chemledger" "$@"; }
cv() { $VG "$ROOT/bin/chemverify" "$@"; }

_pass() { pass=$((pass + 1)); }
_fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }

ok() {
	d=$1; shift
	if "$@"; then _pass; else _fail "$d (exit $?)"; fi
}
eq() {
	if [ "$2" = "$3" ]; then _pass; else _fail "$1: want [$2] got [$3]"; fi
}
status() {
	d=$1; want=$2; shift 2
	"$@" >/dev/null 2>&1
	got=$?
	if [ "$got" = "$want" ]; then _pass; else _fail "$d: want exit $want, got $got"; fi
}
contains() {
	case "$3" in
	*"$2"*) _pass ;;
	*) _fail "$1: [$2] not in [$3]" ;;
	esac
}
build_world() {
	cl init -d "$1" --name "Demo precursor ledger" --authority MPS-NCC \
		--authority-key "$(cl pubkey -k "$FIX/keys/MPS-NCC.pem")" --time 2024-01-01T00:00:00Z >/dev/null &&
		"$FIX/sign-world.sh" "$ROOT/bin/chemledger" > "$TMP/world.signed.jsonl" &&
		cl submit -d "$1" "$TMP/world.signed.jsonl" > "$TMP/world.submit.out"
}
finish() {
	printf '%s: %d passed, %d failed\n' "$(basename "$0" .sh)" "$pass" "$failed"
	[ "$failed" -eq 0 ]
}
