#!/bin/sh
# bench/run.sh - the chemledger benchmark (`make bench`; `make bench-quick`
# for the 3,000-record smoke size).  Needs `make all bench-tools` first.
#
# In one run, on one machine, in a fresh temporary directory:
#   1. build/bench/gen writes BENCH_N signed records (the demo world scaled up);
#   2. build/bench/ceiling measures Ed25519 verifies/s (cl_ed25519_verify) on
#      one core and on all cores: the most any ledger could ingest or audit;
#      measured before submit, between submit and the audit, and after the
#      audit, because this machine's speed drifts by up to ~10 % within
#      minutes: each of submit and the audit is compared with the mean of
#      the two measurements around it (and, the conservative figure, with
#      the highest of the three);
#   3. chemledger init + submit of all BENCH_N records: records/s, peak RSS;
#   4. chemverify full audit: entries/s, peak RSS, findings;
#   5. latency over the 100-entry batches BENCH-100-k: the trail query in
#      process (build/bench/trailq), `chemledger trail` and `chemverify
#      --batch` as processes (build/bench/clock, process start included),
#      and the start-up floor of a trivial process (/bin/true);
#   6. disk: data.mdb bytes per entry against the canonical record bytes
#      (build/bench/sizes over `chemledger export`);
#   7. the SQLite baseline (build/bench/sqlite): all records with GROUP (4000,
#      the most lines chemledger submit commits at once) per transaction, and the first BENCH_SQLITE1 (50,000) with one transaction
#      per record.
# Writes BENCH_RESULTS/results.json, results.md (each figure, its target,
# met or missed) and throughput.png (gnuplot; skipped when gnuplot is not
# installed), and prints the table.  Targets are reported, never asserted.
#
# Environment: BENCH_N (1000000), BENCH_RESULTS (bench/results),
# BENCH_TMP (parent of the work directory: /tmp), BENCH_SQLITE1 (50000),
# BENCH_CEILING_SECONDS (3; 0.5 below 100,000 records), BENCH_KEEP=1 keeps
# the work directory.
# Exit status: 0 when every step ran and the run was sane (every record
# appended, the audit clean, every latency run succeeded, the baseline
# rejected nothing); 1 otherwise (the results are still written, except
# when submit did not append every record: then nothing is written); 2 when
# a tool is missing or a step could not run at all.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-1000000}
RES=${BENCH_RESULTS:-$ROOT/bench/results}
case $RES in /*) ;; *) RES=$ROOT/$RES ;; esac
B=$ROOT/build/bench
CL=$ROOT/bin/chemledger
CV=$ROOT/bin/chemverify
SQ1=${BENCH_SQLITE1:-50000}
GROUP=4000  # = GROUP_MAX in ledger/main.c: the baseline groups as we do
[ "$SQ1" -gt "$N" ] && SQ1=$N
if [ "$N" -ge 100000 ]; then
	CEIL_S=${BENCH_CEILING_SECONDS:-3}
	ROUNDS=2    # process runs per 100-entry batch: 100 samples at 1M
	QROUNDS=20  # in-process query runs per batch
else
	CEIL_S=${BENCH_CEILING_SECONDS:-0.5}
	ROUNDS=2
	QROUNDS=5
fi
for t in gen ceiling sqlite sizes trailq clock; do
	[ -x "$B/$t" ] || { echo "bench: $B/$t is missing: run make bench-tools" >&2; exit 2; }
done
[ -x "$CL" ] && [ -x "$CV" ] || { echo "bench: bin/ is missing: run make" >&2; exit 2; }

W=$(mktemp -d "${BENCH_TMP:-/tmp}/clbench.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then
	trap 'echo "bench: work directory kept: $W" >&2' EXIT
else
	trap 'rm -rf "$W"' EXIT
fi
trap 'exit 2' INT TERM
chmod 700 "$W"
mkdir -p "$RES" "$W/bin"
# One build for the whole run, even if bin/ is rebuilt meanwhile.
cp "$CL" "$CV" "$W/bin/"
CL=$W/bin/chemledger
CV=$W/bin/chemverify
L=$W/ledger
sane=1
problems=""
problem() { sane=0; problems="$problems$1; "; echo "bench: $1" >&2; }
say() { echo "== $*" >&2; }

# jget FILE KEY: the value of "KEY" in a one-line JSON object (numbers, flat).
jget() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" "$1" | head -n 1 | tr -d '"'; }
# calc EXPR: awk arithmetic, printed with %s (pass a format with printf in EXPR).
calc() { awk "BEGIN { $1 }"; }
load() { cut -d ' ' -f 1-3 /proc/loadavg; }
# CPU time all processes have used (clock ticks: user nice system irq softirq steal).
HZ=$(getconf CLK_TCK)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# others TIMEFILE BUSY0 BUSY1: how many cores' worth of CPU other processes
# used, on average, while the step timed in TIMEFILE (bench/clock once) ran.
others() {
	calc "o = ($3 - $2) / $HZ - $(jget "$1" cpu_seconds); if (o < 0) o = 0; printf \"%.2f\", o / $(jget "$1" seconds)"
}
json_str() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

# ---- machine --------------------------------------------------------------
CPUS=$(nproc)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(uname -m)
OPENSSL=$(openssl version 2>/dev/null || echo unknown)
SQLITE_V=$(sqlite3 --version 2>/dev/null | cut -d ' ' -f 1 || true)
[ -n "$SQLITE_V" ] || SQLITE_V=unknown
KERNEL=$(uname -sr)
MEM_MIB=$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)
FS=$(df -PT "$W" | awk 'NR == 2 { print $2 " on " $1 " (" $7 ")" }')
if [ "$(stat -c %d "$W")" = "$(stat -c %d "$ROOT")" ]; then FS="$FS, the repository's filesystem"; fi
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
GIT=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$ROOT" && git status --porcelain -- core ledger verifier 2>/dev/null)" ]; then GIT="$GIT+changes"; fi
LOAD_START=$(load)
say "chemledger bench: $N records, $CPUS CPUs ($CPU_MODEL), $OPENSSL, work directory $W ($FS), load $LOAD_START"

# ---- 1. generate ----------------------------------------------------------
say "generating $N signed records"
"$B/clock" once "$W/gen.time" "$B/gen" "$N" "$W/in.jsonl" "$W/authority.pub" > "$W/gen.json" ||
	{ echo "bench: the generator failed" >&2; exit 2; }
GEN_S=$(jget "$W/gen.time" seconds)
PARTIES=$(jget "$W/gen.json" parties)
BATCHES=$(jget "$W/gen.json" batches)
NBENCH=$(jget "$W/gen.json" bench_batches)
INPUT_BYTES=$(wc -c < "$W/in.jsonl")
TYPES=$(sed -n 's/.*"types":\({[^}]*}\).*/\1/p' "$W/gen.json")
i=1
: > "$W/bench-batches"
while [ "$i" -le "$NBENCH" ]; do echo "BENCH-100-$i" >> "$W/bench-batches"; i=$((i + 1)); done

# ---- 2. the ceiling -------------------------------------------------------
# ceiling NAME WHEN: the ceiling into $W/NAME.json; CEIL_OTHER := how many
# cores' worth of CPU other processes used meanwhile.
ceiling() {
	say "Ed25519 ceiling $2 (${CEIL_S}s on 1 core, ${CEIL_S}s on $CPUS)"
	b0=$(busy)
	"$B/clock" once "$W/$1.time" "$B/ceiling" "$CEIL_S" > "$W/$1.json" || { echo "bench: ceiling failed" >&2; exit 2; }
	CEIL_OTHER=$(others "$W/$1.time" "$b0" "$(busy)")
}
ceiling ceiling "before submit"
OTHER_CEIL1=$CEIL_OTHER
CT=$(jget "$W/ceiling.json" threads)

# ---- 3. submit ------------------------------------------------------------
"$CL" init -d "$L" --name "chemledger bench $N" --authority MPS-NCC \
	--authority-key "$(cat "$W/authority.pub")" --time 2024-01-01T00:00:00Z > /dev/null ||
	{ echo "bench: chemledger init failed" >&2; exit 2; }
say "chemledger submit of $N records"
LOAD_SUBMIT=$(load)
set +e
b0=$(busy)
"$B/clock" once "$W/submit.time" "$CL" submit -d "$L" "$W/in.jsonl" > "$W/submit.out" 2> "$W/submit.err"
SUBMIT_RC=$?
b1=$(busy)
set -e
OTHER_SUBMIT=$(others "$W/submit.time" "$b0" "$b1")
SUBMIT_S=$(jget "$W/submit.time" seconds)
SUBMIT_RSS=$(jget "$W/submit.time" peak_rss_kib)
APPENDED=$(grep -c '"status":"appended"' "$W/submit.out" || true)
REJECTED=$(grep -c '"status":"rejected"' "$W/submit.out" || true)
WARNINGS=$(wc -l < "$W/submit.err")
[ "$SUBMIT_RC" = 0 ] || problem "chemledger submit exited $SUBMIT_RC: $(head -c 300 "$W/submit.err")"
if [ "$APPENDED" != "$N" ]; then
	# Every later figure needs the whole ledger: stop, and leave earlier
	# results as they were.
	echo "bench: $APPENDED of $N records appended ($REJECTED rejected, exit $SUBMIT_RC); no results written" >&2
	grep -m 3 '"status":"rejected"' "$W/submit.out" >&2 || true
	exit 1
fi
SUBMIT_RATE=$(calc "printf \"%.1f\", $N / $SUBMIT_S")

ceiling ceiling_mid "between submit and the audit"
OTHER_CEIL_MID=$CEIL_OTHER

# ---- 4. full audit --------------------------------------------------------
say "chemverify full audit"
LOAD_AUDIT=$(load)
set +e
b0=$(busy)
"$B/clock" once "$W/audit.time" "$CV" -d "$L" --json > "$W/audit.json" 2> "$W/audit.err"
AUDIT_RC=$?
b1=$(busy)
set -e
OTHER_AUDIT=$(others "$W/audit.time" "$b0" "$b1")
AUDIT_S=$(jget "$W/audit.time" seconds)
AUDIT_RSS=$(jget "$W/audit.time" peak_rss_kib)
ENTRIES=$(jget "$W/audit.json" entries)
[ -n "$ENTRIES" ] || ENTRIES=0
F_ERR=$(grep -o '"severity":"error"' "$W/audit.json" | wc -l)
F_ALERT=$(grep -o '"severity":"alert"' "$W/audit.json" | wc -l)
F_NOTICE=$(grep -o '"severity":"notice"' "$W/audit.json" | wc -l)
[ "$AUDIT_RC" = 0 ] || problem "chemverify exited $AUDIT_RC ($F_ERR errors, $F_ALERT alerts): $(head -c 300 "$W/audit.err")"
[ "$ENTRIES" = "$((N + 1))" ] || problem "chemverify counted $ENTRIES entries, not $((N + 1))"
AUDIT_RATE=$(calc "printf \"%.1f\", $ENTRIES / $AUDIT_S")

ceiling ceiling2 "after the audit"
OTHER_CEIL2=$CEIL_OTHER

# ---- 5. latency on the 100-entry batches ----------------------------------
say "latency: $NBENCH batches of 100 entries"
"$B/trailq" "$L" "$W/bench-batches" "$QROUNDS" > "$W/trailq.json" || { echo "bench: trailq failed" >&2; exit 2; }
TQ_N=$(jget "$W/trailq.json" samples)
TQ_P50=$(jget "$W/trailq.json" p50_ms)
TQ_P99=$(jget "$W/trailq.json" p99_ms)
[ "$(jget "$W/trailq.json" entries)" = "$((TQ_N * 100))" ] || problem "a BENCH-100 batch does not hold 100 entries"
"$B/clock" each "$W/bench-batches" "$ROUNDS" "$CL" trail -d "$L" "{}" > "$W/trail.json"
"$B/clock" each "$W/bench-batches" "$ROUNDS" "$CV" -d "$L" --batch "{}" --json > "$W/vbatch.json"
"$B/clock" each "$W/bench-batches" "$ROUNDS" /bin/true "{}" > "$W/floor.json"
TP_N=$(jget "$W/trail.json" samples)
TP_P50=$(jget "$W/trail.json" p50_ms)
TP_P99=$(jget "$W/trail.json" p99_ms)
VB_P50=$(jget "$W/vbatch.json" p50_ms)
VB_P99=$(jget "$W/vbatch.json" p99_ms)
FLOOR_P50=$(jget "$W/floor.json" p50_ms)
[ "$(jget "$W/trail.json" failures)" = 0 ] || problem "chemledger trail failed on a BENCH-100 batch"
[ "$(jget "$W/vbatch.json" failures)" = 0 ] || problem "chemverify --batch failed (or found something) on a BENCH-100 batch"

# ---- 6. disk --------------------------------------------------------------
say "disk use"
"$CL" export -d "$L" -o "$W/ledger.export" || { echo "bench: export failed" >&2; exit 2; }
"$B/sizes" "$W/ledger.export" > "$W/sizes.json" || { echo "bench: sizes failed" >&2; exit 2; }
MDB_BYTES=$(stat -c %s "$L/data.mdb")
MDB_USED=$(mdb_stat -e "$L" 2>/dev/null | awk '/Page size/ { p = $3 } /Number of pages used/ { u = $5 } END { if (p && u) print p * u }')
[ -n "$MDB_USED" ] || MDB_USED=$MDB_BYTES
EXPORT_BYTES=$(stat -c %s "$W/ledger.export")
SZ_ENTRIES=$(jget "$W/sizes.json" entries)
ENTRY_MEAN=$(calc "printf \"%.1f\", $(jget "$W/sizes.json" entry_bytes) / $SZ_ENTRIES")
RECORD_MEAN=$(calc "printf \"%.1f\", $(jget "$W/sizes.json" record_bytes) / $SZ_ENTRIES")
DISK_PER_ENTRY=$(calc "printf \"%.1f\", $MDB_BYTES / $SZ_ENTRIES")
DISK_USED_PER_ENTRY=$(calc "printf \"%.1f\", $MDB_USED / $SZ_ENTRIES")
DISK_RATIO=$(calc "printf \"%.2f\", $DISK_PER_ENTRY / $RECORD_MEAN")
rm -f "$W/ledger.export"

# ---- 7. SQLite baseline ---------------------------------------------------
say "SQLite baseline: $N records, $GROUP per transaction"
LOAD_SQLITE=$(load)
b0=$(busy)
"$B/clock" once "$W/sq1000.time" "$B/sqlite" --group "$GROUP" MPS-NCC "$W/authority.pub" "$W/in.jsonl" "$W/g1000.db" \
	> "$W/sq1000.json" || { echo "bench: the SQLite baseline failed" >&2; exit 2; }
OTHER_SQLITE=$(others "$W/sq1000.time" "$b0" "$(busy)")
SQG_RATE=$(jget "$W/sq1000.json" per_s)
SQG_N=$(jget "$W/sq1000.json" records)
SQG_BYTES=$(cat "$W/g1000.db" "$W/g1000.db-wal" 2>/dev/null | wc -c)
SQG_PER_REC=$(calc "printf \"%.1f\", $SQG_BYTES / $SQG_N")
[ "$(jget "$W/sq1000.json" rejected)" = 0 ] || problem "the SQLite baseline rejected records"
rm -f "$W"/g1000.db*
say "SQLite baseline: first $SQ1 records, one transaction per record"
"$B/sqlite" --group 1 --limit "$SQ1" MPS-NCC "$W/authority.pub" "$W/in.jsonl" "$W/g1.db" > "$W/sq1.json" ||
	{ echo "bench: the SQLite baseline failed" >&2; exit 2; }
SQ1_RATE=$(jget "$W/sq1.json" per_s)
SQ1_N=$(jget "$W/sq1.json" records)
[ "$(jget "$W/sq1.json" rejected)" = 0 ] || problem "the SQLite baseline rejected records"
rm -f "$W"/g1.db*
LOAD_END=$(load)
# A: before submit, M: between submit and the audit, B: after the audit.
C1_A=$(jget "$W/ceiling.json" one_core)
CN_A=$(jget "$W/ceiling.json" all_cores)
C1_M=$(jget "$W/ceiling_mid.json" one_core)
CN_M=$(jget "$W/ceiling_mid.json" all_cores)
C1_B=$(jget "$W/ceiling2.json" one_core)
CN_B=$(jget "$W/ceiling2.json" all_cores)
max3() { calc "m = $1; if ($2 > m) m = $2; if ($3 > m) m = $3; printf \"%.1f\", m"; }
C1=$(max3 "$C1_A" "$C1_M" "$C1_B")
CN=$(max3 "$CN_A" "$CN_M" "$CN_B")
CN_SUBMIT=$(calc "printf \"%.1f\", ($CN_A + $CN_M) / 2")
CN_AUDIT=$(calc "printf \"%.1f\", ($CN_M + $CN_B) / 2")

# ---- figures and targets ----------------------------------------------------
# Each against the ceiling measured around it; and against the run's highest.
SUBMIT_FRAC=$(calc "printf \"%.3f\", $SUBMIT_RATE / $CN_SUBMIT")
AUDIT_FRAC=$(calc "printf \"%.3f\", $AUDIT_RATE / $CN_AUDIT")
SUBMIT_FRAC_MAX=$(calc "printf \"%.3f\", $SUBMIT_RATE / $CN")
AUDIT_FRAC_MAX=$(calc "printf \"%.3f\", $AUDIT_RATE / $CN")
AUDIT_RSS_MIB=$(calc "printf \"%.1f\", $AUDIT_RSS / 1024")
SUBMIT_RSS_MIB=$(calc "printf \"%.1f\", $SUBMIT_RSS / 1024")
RATIO_SQ1=$(calc "printf \"%.2f\", $SUBMIT_RATE / $SQ1_RATE")
RATIO_SQG=$(calc "printf \"%.2f\", $SUBMIT_RATE / $SQG_RATE")
GEN_RATE=$(calc "printf \"%.1f\", $N / $GEN_S")
met() { if calc "exit !($1)"; then echo true; else echo false; fi; }
M_SUBMIT=$(met "$SUBMIT_FRAC >= 0.90")
M_AUDIT=$(met "$AUDIT_FRAC >= 0.90")
M_RSS=$(met "$AUDIT_RSS_MIB <= 256")
M_TQ=$(met "$TQ_P99 < 1")
M_VB=$(met "$VB_P99 < 25")
M_DISK=$(met "$DISK_RATIO <= 1.5")
M_SQ1=$(met "$RATIO_SQ1 >= 2")
M_SQG=$(met "$RATIO_SQG >= 1")

cat > "$RES/results.json" <<EOF
{
  "schema": 1,
  "date": "$DATE",
  "commit": "$GIT",
  "n_records": $N,
  "sane": $([ "$sane" = 1 ] && echo true || echo false),
  "problems": "$(json_str "$problems")",
  "machine": {
    "nproc": $CPUS,
    "cpu": "$(json_str "$CPU_MODEL")",
    "memory_mib": $MEM_MIB,
    "kernel": "$(json_str "$KERNEL")",
    "openssl": "$(json_str "$OPENSSL")",
    "sqlite": "$(json_str "$SQLITE_V")",
    "workdir_fs": "$(json_str "$FS")",
    "load_start": "$LOAD_START",
    "load_submit": "$LOAD_SUBMIT",
    "load_audit": "$LOAD_AUDIT",
    "load_sqlite": "$LOAD_SQLITE",
    "load_end": "$LOAD_END",
    "other_cpu_cores_ceiling_start": $OTHER_CEIL1,
    "other_cpu_cores_ceiling_mid": $OTHER_CEIL_MID,
    "other_cpu_cores_submit": $OTHER_SUBMIT,
    "other_cpu_cores_audit": $OTHER_AUDIT,
    "other_cpu_cores_sqlite": $OTHER_SQLITE,
    "other_cpu_cores_ceiling_end": $OTHER_CEIL2
  },
  "generator": {
    "records": $N,
    "parties": $PARTIES,
    "batches": $BATCHES,
    "bench_batches": $NBENCH,
    "input_bytes": $INPUT_BYTES,
    "types": $TYPES,
    "seconds": $GEN_S,
    "per_s": $GEN_RATE
  },
  "ceiling": {
    "threads": $CT,
    "seconds_each": $CEIL_S,
    "one_core_per_s": $C1,
    "all_cores_per_s": $CN,
    "one_core_start": $C1_A,
    "one_core_mid": $C1_M,
    "one_core_end": $C1_B,
    "all_cores_start": $CN_A,
    "all_cores_mid": $CN_M,
    "all_cores_end": $CN_B,
    "all_cores_around_submit": $CN_SUBMIT,
    "all_cores_around_audit": $CN_AUDIT
  },
  "submit": {
    "records": $N,
    "appended": $APPENDED,
    "rejected": $REJECTED,
    "warning_lines": $WARNINGS,
    "exit": $SUBMIT_RC,
    "seconds": $SUBMIT_S,
    "per_s": $SUBMIT_RATE,
    "of_ceiling": $SUBMIT_FRAC,
    "of_highest_ceiling": $SUBMIT_FRAC_MAX,
    "peak_rss_kib": $SUBMIT_RSS
  },
  "audit": {
    "entries": $ENTRIES,
    "exit": $AUDIT_RC,
    "errors": $F_ERR,
    "alerts": $F_ALERT,
    "notices": $F_NOTICE,
    "seconds": $AUDIT_S,
    "per_s": $AUDIT_RATE,
    "of_ceiling": $AUDIT_FRAC,
    "of_highest_ceiling": $AUDIT_FRAC_MAX,
    "peak_rss_kib": $AUDIT_RSS
  },
  "latency": {
    "batches": $NBENCH,
    "entries_per_batch": 100,
    "trail_query_samples": $TQ_N,
    "trail_query_p50_ms": $TQ_P50,
    "trail_query_p99_ms": $TQ_P99,
    "trail_process_samples": $TP_N,
    "trail_process_p50_ms": $TP_P50,
    "trail_process_p99_ms": $TP_P99,
    "verify_batch_p50_ms": $VB_P50,
    "verify_batch_p99_ms": $VB_P99,
    "process_floor_p50_ms": $FLOOR_P50
  },
  "disk": {
    "entries": $SZ_ENTRIES,
    "data_mdb_bytes": $MDB_BYTES,
    "data_mdb_used_bytes": $MDB_USED,
    "bytes_per_entry": $DISK_PER_ENTRY,
    "used_bytes_per_entry": $DISK_USED_PER_ENTRY,
    "entry_bytes_mean": $ENTRY_MEAN,
    "record_bytes_mean": $RECORD_MEAN,
    "ratio_to_record": $DISK_RATIO,
    "export_bytes": $EXPORT_BYTES
  },
  "sqlite_grouped": {
    "group": $GROUP,
    "records": $SQG_N,
    "per_s": $SQG_RATE,
    "bytes_per_record": $SQG_PER_REC,
    "ours_ratio": $RATIO_SQG
  },
  "sqlite_per_record": {
    "group": 1,
    "records": $SQ1_N,
    "per_s": $SQ1_RATE,
    "ours_ratio": $RATIO_SQ1
  },
  "targets": {
    "submit_of_ceiling_ge_0.90": $M_SUBMIT,
    "audit_of_ceiling_ge_0.90": $M_AUDIT,
    "audit_peak_rss_le_256_mib": $M_RSS,
    "trail_query_p99_lt_1_ms": $M_TQ,
    "verify_batch_p99_lt_25_ms": $M_VB,
    "disk_le_1.5x_record": $M_DISK,
    "vs_sqlite_per_record_ge_2x": $M_SQ1,
    "vs_sqlite_grouped_ge_1x": $M_SQG
  }
}
EOF

yes_no() { if [ "$1" = true ]; then echo met; else echo "**missed**"; fi; }
f0() { calc "printf \"%.0f\", $1"; }
pct() { calc "printf \"%.1f %%\", 100 * $1"; }
{
	echo "# chemledger bench: $N records"
	echo
	echo "$DATE, commit $GIT. $CPUS × $CPU_MODEL, $MEM_MIB MiB, $KERNEL, $OPENSSL, SQLite $SQLITE_V."
	echo "Work directory: fresh, under ${BENCH_TMP:-/tmp}, on $FS; removed after the run."
	echo "Load average (1, 5, 15 min) at start $LOAD_START, submit $LOAD_SUBMIT, audit $LOAD_AUDIT,"
	echo "SQLite $LOAD_SQLITE, end $LOAD_END. CPU used by other processes, in cores on average"
	echo "(from /proc/stat less the measured command's own CPU time): ceiling $OTHER_CEIL1, $OTHER_CEIL_MID, $OTHER_CEIL2,"
	echo "submit $OTHER_SUBMIT, audit $OTHER_AUDIT, SQLite grouped $OTHER_SQLITE (of $CPUS)."
	if calc "exit !($OTHER_CEIL1 + $OTHER_CEIL_MID + $OTHER_CEIL2 + $OTHER_SUBMIT + $OTHER_AUDIT + $OTHER_SQLITE > 0.5)"; then
		echo "**The machine was busy with other work during this run: the figures understate it.**"
	fi
	echo
	echo "Input: $N signed records (build/bench/gen: $PARTIES parties, $BATCHES batches, $NBENCH of 100 entries;"
	echo "$TYPES), $(f0 "$INPUT_BYTES / $N") bytes of JSON per record; generated and signed in $GEN_S s."
	echo
	echo "| figure | value | target | |"
	echo "|---|---:|---|---|"
	echo "| Ed25519 verify ceiling (cl_ed25519_verify), 1 core: before submit / after it / after the audit | $(f0 "$C1_A") / $(f0 "$C1_M") / $(f0 "$C1_B")/s | | |"
	echo "| Ed25519 verify ceiling, all $CT cores: before submit / after it / after the audit | $(f0 "$CN_A") / $(f0 "$CN_M") / $(f0 "$CN_B")/s | | |"
	echo "| \`chemledger submit\`, $N pre-signed records | $(f0 "$SUBMIT_RATE") records/s | | |"
	echo "| submit as a fraction of the all-cores ceiling around it (mean $(f0 "$CN_SUBMIT")/s) | $(pct "$SUBMIT_FRAC") | ≥ 90 % | $(yes_no "$M_SUBMIT") |"
	echo "| ... of the run's highest all-cores ceiling ($(f0 "$CN")/s) | $(pct "$SUBMIT_FRAC_MAX") | | |"
	echo "| submit peak RSS | $SUBMIT_RSS_MIB MiB | | |"
	echo "| \`chemverify\` full audit, $ENTRIES entries | $(f0 "$AUDIT_RATE") entries/s | | |"
	echo "| audit as a fraction of the all-cores ceiling around it (mean $(f0 "$CN_AUDIT")/s) | $(pct "$AUDIT_FRAC") | ≥ 90 % | $(yes_no "$M_AUDIT") |"
	echo "| ... of the run's highest all-cores ceiling ($(f0 "$CN")/s) | $(pct "$AUDIT_FRAC_MAX") | | |"
	echo "| audit peak RSS | $AUDIT_RSS_MIB MiB | ≤ 256 MiB | $(yes_no "$M_RSS") |"
	echo "| audit findings (error / alert / notice) | $F_ERR / $F_ALERT / $F_NOTICE | 0 / 0 / any | |"
	echo "| trail query of a 100-entry batch, in process, p50 / p99 ($TQ_N runs) | $TQ_P50 / $TQ_P99 ms | p99 < 1 ms | $(yes_no "$M_TQ") |"
	echo "| \`chemledger trail\` of a 100-entry batch, process, p50 / p99 ($TP_N runs) | $TP_P50 / $TP_P99 ms | | |"
	echo "| \`chemverify --batch\` of a 100-entry batch, process, p50 / p99 ($TP_N runs) | $VB_P50 / $VB_P99 ms | p99 < 25 ms | $(yes_no "$M_VB") |"
	echo "| process start floor (\`/bin/true\`), p50 | $FLOOR_P50 ms | | |"
	echo "| disk: data.mdb bytes per entry | $DISK_PER_ENTRY B | | |"
	echo "| canonical record bytes per entry (entry: $ENTRY_MEAN B) | $RECORD_MEAN B | | |"
	echo "| disk / record bytes | $DISK_RATIO × | ≤ 1.5 × | $(yes_no "$M_DISK") |"
	echo "| SQLite baseline, $GROUP records per transaction, $SQG_N records | $(f0 "$SQG_RATE") records/s | | |"
	echo "| SQLite baseline, 1 record per transaction, first $SQ1_N records | $(f0 "$SQ1_RATE") records/s | | |"
	echo "| submit / SQLite one-per-transaction | $RATIO_SQ1 × | ≥ 2 × | $(yes_no "$M_SQ1") |"
	echo "| submit / SQLite grouped | $RATIO_SQG × | ≥ 1.0 × | $(yes_no "$M_SQG") |"
	echo
	echo "Notes. The ceiling was measured three times: before submit, between submit and"
	echo "the audit, and after the audit, because this machine's speed drifts (by up to"
	echo "~10 % within minutes). Submit and the audit are each compared with the mean of"
	echo "the two measurements around them, the best estimate of the ceiling while they"
	echo "ran; the fraction of the run's highest ceiling is the conservative figure. The"
	echo "chart uses the highest. Rates are wall time of the whole command (process start, reading and"
	echo "parsing the input, every durable commit, writing the result lines). Latency"
	echo "\"in process\" is cl_ledger_scan_batch plus decoding each entry, the ledger"
	echo "opened once (build/bench/trailq, $QROUNDS runs per batch); \"process\" is fork to exit"
	echo "of the command, $ROUNDS runs per batch, so it includes the process start floor."
	echo "Disk: data.mdb file size (LMDB pages in use: $DISK_USED_PER_ENTRY B per entry) over"
	echo "the mean canonical record (msgpack with its signature, what is signed plus"
	echo "the sig). The SQLite baseline (build/bench/sqlite) parses, verifies the"
	echo "signature with the same call, chains BLAKE2b over prev hash and canonical record"
	echo "and inserts into one table with a UNIQUE id and a batch index, WAL,"
	echo "synchronous=FULL, single-threaded; it takes $SQG_PER_REC B per record on disk."
	echo "It checks none of the ledger's references, roles, revocations or"
	echo "balances. The one-per-transaction mode runs on the first $SQ1_N records only"
	echo "(it would take long on all of them) and reports its rate."
	[ "$sane" = 1 ] || { echo; echo "PROBLEMS: $problems"; }
} > "$RES/results.md"

# ---- chart ------------------------------------------------------------------
if command -v gnuplot > /dev/null 2>&1; then
	cat > "$W/throughput.dat" <<EOF
"ceiling\\n1 core" $C1 0x999999
"ceiling\\n$CT cores" $CN 0x999999
"chemledger\\nsubmit" $SUBMIT_RATE 0x4477aa
"chemverify\\naudit" $AUDIT_RATE 0x4477aa
"SQLite\\n$GROUP/txn" $SQG_RATE 0xdd8833
"SQLite\\n1/txn ($SQ1_N)" $SQ1_RATE 0xdd8833
EOF
	if gnuplot > "$W/gnuplot.err" 2>&1 <<EOF
set terminal pngcairo size 960,540 font "sans,10"
set output "$RES/throughput.png"
set title "chemledger, $N signed records: throughput against the Ed25519 verify ceiling\n($CPUS × $(json_str "$CPU_MODEL"), $DATE)"
set ylabel "records (or signature verifications) per second"
set yrange [0:*]
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set key top right
set bmargin 4
set arrow from graph 0, first $CN to graph 1, first $CN nohead dashtype 2 linecolor rgb "#cc0000"
set arrow from graph 0, first ($CN * 0.9) to graph 1, first ($CN * 0.9) nohead dashtype 3 linecolor rgb "#888888"
set label "all-cores ceiling" at graph 0.01, first $CN offset 0, 0.7 textcolor rgb "#cc0000"
set label "90 % target" at graph 0.01, first ($CN * 0.9) offset 0, -0.8 textcolor rgb "#666666"
plot "$W/throughput.dat" using 0:2:(0.6):3:xtic(1) with boxes linecolor rgb variable notitle, \
     "" using 0:2:(sprintf("%.0f", \$2)) with labels offset 0, 0.8 notitle
EOF
	then
		CHART="$RES/throughput.png"
	else
		CHART="(gnuplot failed: $(head -c 200 "$W/gnuplot.err"))"
	fi
else
	rm -f "$RES/throughput.png"
	CHART="(no chart: gnuplot is not installed; make bench installs gnuplot-nox)"
fi

cat "$RES/results.md"
echo
echo "results: $RES/results.json, $RES/results.md; chart: $CHART"
[ "$sane" = 1 ]
