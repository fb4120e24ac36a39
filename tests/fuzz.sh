#!/bin/sh
# Replays every committed fuzz corpus (tests/fuzz/corpus/TARGET) through its
# target in the normal build: seeds, and every input that ever found a bug.
. "$(dirname "$0")/lib.sh"
for t in record_json entry export key; do
	out=$($VG "$ROOT/build/fuzz/replay_$t" "$ROOT/tests/fuzz/corpus/$t" 2>&1)
	eq "fuzz corpus $t replays" 0 $?
	contains "fuzz corpus $t is not empty" "inputs replayed" "$out"
done
finish
