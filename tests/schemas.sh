#!/bin/sh
# The committed JSON Schemas and docs/FIELDS.md are exactly what the one
# description (schemas/records.def) generates; the vectors likewise.
. "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/s"
ok "schema generator runs" "$ROOT/build/schemas/gen" "$TMP/s" "$TMP/FIELDS.md"
for f in "$ROOT"/schemas/*.schema.json; do
	ok "$(basename "$f") is up to date (make schemas)" cmp -s "$f" "$TMP/s/$(basename "$f")"
done
eq "one schema per record type" 9 "$(ls "$TMP"/s/*.schema.json | wc -l | tr -d ' ')"
ok "docs/FIELDS.md is up to date (make schemas)" cmp -s "$ROOT/docs/FIELDS.md" "$TMP/FIELDS.md"
ok "vector generator runs" "$ROOT/build/vectors/mkvectors" "$FIX/vectors/rfc8032-test1.pem" \
	"$FIX/vectors/records.jsonl" "$TMP/vectors.txt" "$TMP/reject.txt"
ok "fixtures/vectors/vectors.txt is up to date (make vectors)" cmp -s "$FIX/vectors/vectors.txt" "$TMP/vectors.txt"
ok "fixtures/vectors/reject.txt is up to date (make vectors)" cmp -s "$FIX/vectors/reject.txt" "$TMP/reject.txt"
# A schema must reject what the parser rejects: spot-check that every
# required field of the sale schema is what the parser requires.
for fld in type id time signer batch buyer quantity uom buyer_licence; do
	contains "sale schema requires $fld" "\"$fld\"" "$(grep '"required"' "$ROOT/schemas/sale.schema.json")"
done
finish
