#!/bin/sh
# The benchmark at its smoke size (what `make bench-quick` runs): 3,000
# generated records through the whole harness.  A does-it-run check only:
# it asserts that every step ran, every record was appended and every figure
# was written, and never a timing (those depend on the machine; `make bench`
# reports them against their targets).
. "$(dirname "$0")/lib.sh"
N=3000
RES=$TMP/results

# The bench tools build from their own objects (build/bench/obj), whatever
# flags built bin/ and build/*.a.
ok "bench tools build" make -s -C "$ROOT" bench-tools > "$TMP/make.log" 2>&1
[ "$failed" = 0 ] || cat "$TMP/make.log"

BENCH_N=$N BENCH_RESULTS=$RES BENCH_TMP=$TMP sh "$ROOT/bench/run.sh" > "$TMP/out" 2> "$TMP/err"
rc=$?
eq "bench/run.sh exit status" 0 "$rc"
[ "$rc" = 0 ] || tail -n 20 "$TMP/err"
ok "results.json written" test -s "$RES/results.json"
ok "results.md written" test -s "$RES/results.md"
json=$(cat "$RES/results.json" 2>/dev/null)
# Every figure the issue asks for, by its key.
for key in n_records sane nproc cpu openssl workdir_fs load_start load_end other_cpu_cores_submit other_cpu_cores_audit \
	parties batches bench_batches types \
	one_core_per_s all_cores_per_s all_cores_start all_cores_mid all_cores_end \
	all_cores_around_submit all_cores_around_audit other_cpu_cores_ceiling_mid \
	appended rejected per_s of_ceiling of_highest_ceiling peak_rss_kib \
	entries errors alerts \
	trail_query_p50_ms trail_query_p99_ms trail_process_p50_ms trail_process_p99_ms \
	verify_batch_p50_ms verify_batch_p99_ms process_floor_p50_ms \
	data_mdb_bytes bytes_per_entry record_bytes_mean entry_bytes_mean ratio_to_record \
	sqlite_grouped sqlite_per_record ours_ratio \
	submit_of_ceiling_ge_0.90 audit_of_ceiling_ge_0.90 audit_peak_rss_le_256_mib \
	trail_query_p99_lt_1_ms verify_batch_p99_lt_25_ms disk_le_1.5x_record \
	vs_sqlite_per_record_ge_2x vs_sqlite_grouped_ge_1x; do
	contains "results.json has \"$key\"" "\"$key\":" "$json"
done
# Exact counts: every generated record appended, the audit saw them all
# (plus genesis) and found nothing wrong, both baselines read them.
contains "n_records" '"n_records": 3000,' "$json"
contains "all appended" '"appended": 3000,' "$json"
contains "none rejected" '"rejected": 0,' "$json"
contains "audit entries" '"entries": 3001,' "$json"
contains "audit errors" '"errors": 0,' "$json"
contains "audit alerts" '"alerts": 0,' "$json"
contains "five 100-entry batches" '"bench_batches": 5,' "$json"
contains "sqlite grouped read all" '"records": 3000,
    "per_s"' "$json"
contains "run sane" '"sane": true,' "$json"
out=$(cat "$TMP/out")
contains "table printed" "| figure | value | target | |" "$out"
contains "table: submit row" "chemledger submit\`, 3000 pre-signed records" "$out"
contains "table: baseline ratio row" "| submit / SQLite grouped |" "$out"
eq "work directory removed" "" "$(ls -d "$TMP"/clbench.* 2>/dev/null)"
finish
