#!/bin/sh
# tests/ledger_cli.sh - every chemledger command of SPEC §5 through the real
# binary: keygen, pubkey, init, sign, submit, get, log, head, trail, export,
# the three ways to name the ledger, --help, and usage errors.
#
# The realistic ledger is the demo world (fixtures/world, build_world).  JSON
# is checked with grep/sed only (no jq, no python3).
. "$(dirname "$0")/lib.sh"

# ---- helpers -------------------------------------------------------------

# The "hash" / "prev" / "batch_prev" / "seq" of one JSON line on stdin.
hash_of() { sed -n 's/.*"hash":"\([0-9a-f]\{64\}\)".*/\1/p'; }
prev_of() { sed -n 's/.*"prev":"\([0-9a-f]\{64\}\)".*/\1/p'; }
batch_prev_of() { sed -n 's/.*"batch_prev":\([^,]*\),.*/\1/p'; }
seq_of() { sed -n 's/^{"seq":\([0-9]*\),.*/\1/p'; }
lines() { wc -l < "$1" | tr -d ' '; }
# Runs a command, keeping stdout, stderr and the status in $TMP/out, $TMP/err, $rc.
run() {
	"$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
}
# A usage or I/O error: exit 2, nothing on stdout, exactly one line on stderr.
usage_error() {
	desc=$1; shift
	run "$@"
	eq "$desc: exit" 2 "$rc"
	eq "$desc: stdout" "" "$(cat "$TMP/out")"
	eq "$desc: one line on stderr" 1 "$(lines "$TMP/err")"
	contains "$desc: stderr names the program" "chemledger" "$(cat "$TMP/err")"
}
zeros=0000000000000000000000000000000000000000000000000000000000000000

# ---- keygen ----------------------------------------------------------------

run cl keygen -o "$TMP/k1.pem"
eq "keygen: exit" 0 "$rc"
pub1=$(cat "$TMP/out")
eq "keygen: one line" 1 "$(lines "$TMP/out")"
eq "keygen: 44 chars" 44 "${#pub1}"
ok "keygen: base64 of 32 bytes" sh -c 'printf "%s\n" "$1" | grep -qE "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$"' sh "$pub1"
eq "keygen: nothing on stderr" "" "$(cat "$TMP/err")"
eq "keygen: mode 0600" 600 "$(stat -c %a "$TMP/k1.pem")"
eq "keygen: PEM private key" "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$TMP/k1.pem")"
sum1=$(cksum < "$TMP/k1.pem")
usage_error "keygen over an existing key" cl keygen -o "$TMP/k1.pem"
eq "keygen over an existing key: file unchanged" "$sum1" "$(cksum < "$TMP/k1.pem")"
eq "keygen over an existing key: still 0600" 600 "$(stat -c %a "$TMP/k1.pem")"
printf 'precious\n' > "$TMP/precious.txt"
usage_error "keygen over another file" cl keygen -o "$TMP/precious.txt"
eq "keygen over another file: untouched" precious "$(cat "$TMP/precious.txt")"
usage_error "keygen without -o" cl keygen
usage_error "keygen into a missing directory" cl keygen -o "$TMP/no/such/dir/k.pem"
ok "keygen into a missing directory: nothing created" test ! -e "$TMP/no"
run cl keygen -o "$TMP/k2.pem"
pub2=$(cat "$TMP/out")
ok "keygen: two keys differ" test "$pub1" != "$pub2"

# ---- pubkey ----------------------------------------------------------------

eq "pubkey: the key keygen printed" "$pub1" "$(cl pubkey -k "$TMP/k1.pem")"
eq "pubkey --key" "$pub2" "$(cl pubkey --key "$TMP/k2.pem")"
openssl genpkey -algorithm ed25519 -out "$TMP/ossl.pem" 2>/dev/null
wantpub=$(openssl pkey -in "$TMP/ossl.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64)
eq "pubkey: an openssl genpkey ed25519 key" "$wantpub" "$(cl pubkey -k "$TMP/ossl.pem")"
# every committed fixture key gives its pubkeys.tsv line
bad_keys=0
while IFS="$(printf '\t')" read -r file party key; do
	got=$(cl pubkey -k "$FIX/keys/$file")
	[ "$got" = "$key" ] || { bad_keys=$((bad_keys + 1)); printf 'pubkey %s: %s != %s\n' "$file" "$got" "$key"; }
done < "$FIX/keys/pubkeys.tsv"
eq "pubkey: all fixture keys match pubkeys.tsv" 0 "$bad_keys"
eq "pubkey: pubkeys.tsv has a line per key file" "$(ls "$FIX"/keys/*.pem | wc -l | tr -d ' ')" "$(lines "$FIX/keys/pubkeys.tsv")"
usage_error "pubkey of an RSA key" cl pubkey -k "$FIX/bad/rsa.pem"
usage_error "pubkey of an EC key" cl pubkey -k "$FIX/bad/ec-p256.pem"
usage_error "pubkey of a public key" cl pubkey -k "$FIX/bad/ed25519-public.pem"
usage_error "pubkey of a text file" cl pubkey -k "$FIX/bad/not-a-key.pem"
usage_error "pubkey of a missing file" cl pubkey -k "$TMP/missing.pem"
usage_error "pubkey without -k" cl pubkey
usage_error "pubkey with an argument" cl pubkey -k "$TMP/k1.pem" extra

# ---- init --------------------------------------------------------------------

mkdir "$TMP/parent"
run cl init -d "$TMP/parent/L" --name "Test ledger" --authority AUTH-1 --authority-key "$pub1" \
	--time 2024-06-01T12:00:00+08:00
eq "init: exit" 0 "$rc"
init_out=$(cat "$TMP/out")
g0=$(printf '%s\n' "$init_out" | hash_of)
eq "init: prints the head" "{\"seq\":0,\"hash\":\"$g0\"}" "$init_out"
eq "init: 64 hex digits" 64 "${#g0}"
eq "init: nothing on stderr" "" "$(cat "$TMP/err")"
eq "init: directory 0700" 700 "$(stat -c %a "$TMP/parent/L")"
ok "init: data.mdb" test -f "$TMP/parent/L/data.mdb"
eq "init: head" "$init_out" "$(cl head -d "$TMP/parent/L")"
eq "init: genesis entry" \
	"{\"seq\":0,\"hash\":\"$g0\",\"prev\":\"$zeros\",\"batch_prev\":null,\"time\":\"2024-06-01T04:00:00Z\",\"record\":{\"type\":\"genesis\",\"id\":\"genesis\",\"time\":\"2024-06-01T04:00:00Z\",\"name\":\"Test ledger\",\"authority\":\"AUTH-1\",\"key\":\"$pub1\"}}" \
	"$(cl get -d "$TMP/parent/L" 0)"
sum=$(cksum < "$TMP/parent/L/data.mdb")
usage_error "init twice" cl init -d "$TMP/parent/L" --name Other --authority AUTH-2 --authority-key "$pub2"
eq "init twice: ledger unchanged" "$sum" "$(cksum < "$TMP/parent/L/data.mdb")"
eq "init twice: head unchanged" "$init_out" "$(cl head -d "$TMP/parent/L")"
# an existing empty directory is fine
mkdir -m 700 "$TMP/empty"
status "init: into an existing empty directory" 0 cl init -d "$TMP/empty" --name E --authority A \
	--authority-key "$pub1" --time 2024-01-01T00:00:00Z
# the same genesis gives the same hash (deterministic, no hidden clock)
cl init -d "$TMP/again" --name "Test ledger" --authority AUTH-1 --authority-key "$pub1" \
	--time 2024-06-01T04:00:00Z > "$TMP/again.out"
eq "init: deterministic genesis" "$init_out" "$(cat "$TMP/again.out")"
usage_error "init without --name" cl init -d "$TMP/x1" --authority A --authority-key "$pub1"
usage_error "init without --authority" cl init -d "$TMP/x1" --name N --authority-key "$pub1"
usage_error "init without --authority-key" cl init -d "$TMP/x1" --name N --authority A
usage_error "init with a bad key" cl init -d "$TMP/x1" --name N --authority A --authority-key "${pub1%?}B"
usage_error "init with a short key" cl init -d "$TMP/x1" --name N --authority A --authority-key AAAA
usage_error "init with a bad authority id" cl init -d "$TMP/x1" --name N --authority "A B" --authority-key "$pub1"
usage_error "init with a bad time" cl init -d "$TMP/x1" --name N --authority A --authority-key "$pub1" \
	--time 2024-06-01T12:00:00.5Z
usage_error "init with a control character in the name" cl init -d "$TMP/x1" --name "$(printf 'a\tb')" \
	--authority A --authority-key "$pub1"
usage_error "init without a directory" cl init --name N --authority A --authority-key "$pub1"
ok "init: refused inits created nothing" test ! -e "$TMP/x1"

# The demo world's genesis hash, computed independently (Python hashlib and a
# hand-written msgpack encoder over docs/FORMAT.md's entry layout).
L=$TMP/world
build_world "$L"
eq "build_world: submit exit" 0 "$?"
W=$TMP/world.submit.out
eq "world: genesis hash" ea7b16af54a5ef6fabaaaf7dbe74c6aef36832f997f6a7d382c663a3bfdf5156 \
	"$(cl get -d "$L" 0 | hash_of)"

# ---- submit (the world) ----------------------------------------------------

eq "world: 368 result lines" 368 "$(lines "$W")"
eq "world: all appended" 368 "$(grep -c '"status":"appended"' "$W")"
bad_seq=$(awk -F '[:,]' '{ if ($2 != NR || $8 != NR) n++ } END { print n + 0 }' "$W")
eq "world: line N is seq N" 0 "$bad_seq"
h368=$(sed -n 368p "$W" | hash_of)
eq "world: exact result line" "{\"line\":368,\"id\":\"L-ZJ-PHARMA-031-0090\",\"status\":\"appended\",\"seq\":368,\"hash\":\"$h368\"}" \
	"$(sed -n 368p "$W")"

# ---- head -------------------------------------------------------------------

eq "head: the last submit's hash" "{\"seq\":368,\"hash\":\"$h368\"}" "$(cl head -d "$L")"
usage_error "head with an argument" cl head -d "$L" extra
usage_error "head without a ledger" cl head

# ---- get --------------------------------------------------------------------

run cl get -d "$L" 110
eq "get 110: exit" 0 "$rc"
e110=$(cat "$TMP/out")
h109=$(sed -n 109p "$W" | hash_of)
h110=$(sed -n 110p "$W" | hash_of)
eq "get 110: seq" 110 "$(printf '%s\n' "$e110" | seq_of)"
eq "get 110: hash = submit's" "$h110" "$(printf '%s\n' "$e110" | hash_of)"
eq "get 110: prev = hash of 109" "$h109" "$(printf '%s\n' "$e110" | prev_of)"
eq "get 110: batch_prev = hash of 109 (the sale)" "\"$h109\"" "$(printf '%s\n' "$e110" | batch_prev_of)"
contains "get 110: receive time" '"time":"2024-12-20T00:00:00Z","record":{' "$e110"
contains "get 110: the record" '"record":{"type":"handoff","id":"H-HN-DIST-017-00115","time":"2024-04-18T00:31:00Z","signer":"HN-DIST-017","sale":"S-SD-PROD-003-00337","quantity":"1880.000","uom":"LTR","sig":"' "$e110"
ok "get 110: field order" sh -c 'printf "%s\n" "$1" | grep -qE "^\{\"seq\":110,\"hash\":\"[0-9a-f]{64}\",\"prev\":\"[0-9a-f]{64}\",\"batch_prev\":\"[0-9a-f]{64}\",\"time\":\"[^\"]*\",\"record\":\{.*\}\}$"' sh "$e110"
# seq 118 (a sale of the same batch): prev is 117, batch_prev is 110
e118=$(cl get -d "$L" 118)
eq "get 118: prev = hash of 117" "$(sed -n 117p "$W" | hash_of)" "$(printf '%s\n' "$e118" | prev_of)"
eq "get 118: batch_prev = hash of 110" "\"$h110\"" "$(printf '%s\n' "$e118" | batch_prev_of)"
# a batch record and a party record have no batch_prev
eq "get 107 (batch): batch_prev null" null "$(cl get -d "$L" 107 | batch_prev_of)"
eq "get 15 (party): batch_prev null" null "$(cl get -d "$L" 15 | batch_prev_of)"
eq "get 0: prev is 64 zeros" "$zeros" "$(cl get -d "$L" 0 | prev_of)"
eq "get 0: batch_prev null" null "$(cl get -d "$L" 0 | batch_prev_of)"
eq "get --id" "$e110" "$(cl get -d "$L" --id H-HN-DIST-017-00115)"
eq "get --id genesis" "$(cl get -d "$L" 0)" "$(cl get -d "$L" --id genesis)"
eq "get 368" "$h368" "$(cl get -d "$L" 368 | hash_of)"
run cl get -d "$L" 369
eq "get past the head: exit 1" 1 "$rc"
eq "get past the head: stdout" "" "$(cat "$TMP/out")"
eq "get past the head: one line" 1 "$(lines "$TMP/err")"
run cl get -d "$L" --id NO-SUCH-ID
eq "get --id unknown: exit 1" 1 "$rc"
eq "get --id unknown: stdout" "" "$(cat "$TMP/out")"
usage_error "get abc" cl get -d "$L" abc
usage_error "get -5" cl get -d "$L" -- -5
usage_error "get 1x" cl get -d "$L" 1x
usage_error "get without SEQ" cl get -d "$L"
usage_error "get SEQ and --id" cl get -d "$L" 5 --id genesis
usage_error "get two SEQs" cl get -d "$L" 5 6
usage_error "get 2^64" cl get -d "$L" 18446744073709551616

# ---- log ---------------------------------------------------------------------

cl log -d "$L" > "$TMP/log"
eq "log: exit" 0 "$?"
eq "log: every entry" 369 "$(lines "$TMP/log")"
eq "log: line 111 is get 110" "$e110" "$(sed -n 111p "$TMP/log")"
eq "log: first is get 0" "$(cl get -d "$L" 0)" "$(head -n 1 "$TMP/log")"
# the chain: every prev is the hash of the entry before
broken=$(sed 's/^{"seq":\([0-9]*\),"hash":"\([0-9a-f]*\)","prev":"\([0-9a-f]*\)".*/\1 \2 \3/' "$TMP/log" |
	awk 'NR > 1 && $3 != last { n++ } { last = $2 } END { print n + 0 }')
eq "log: every prev links to the entry before" 0 "$broken"
seqs_ok=$(seq_of < "$TMP/log" | awk '$1 != NR - 1 { n++ } END { print n + 0 }')
eq "log: seqs 0..368 in order" 0 "$seqs_ok"
eq "log: hashes = submit's" "$(hash_of < "$W")" "$(sed 1d "$TMP/log" | hash_of)"
cl log -d "$L" --from 100 --to 109 > "$TMP/log2"
eq "log --from 100 --to 109: 10 lines" 10 "$(lines "$TMP/log2")"
eq "log --from 100 --to 109: first" 100 "$(head -n 1 "$TMP/log2" | seq_of)"
eq "log --from 100 --to 109: last" 109 "$(tail -n 1 "$TMP/log2" | seq_of)"
eq "log --from 100 --to 109: the same lines" "$(sed -n 101,110p "$TMP/log")" "$(cat "$TMP/log2")"
eq "log --from 360" 9 "$(cl log -d "$L" --from 360 | wc -l | tr -d ' ')"
eq "log --to 0" 1 "$(cl log -d "$L" --to 0 | wc -l | tr -d ' ')"
eq "log --from 368 --to 368" "$(tail -n 1 "$TMP/log")" "$(cl log -d "$L" --from 368 --to 368)"
eq "log --from past the head" "" "$(cl log -d "$L" --from 400)"
status "log --from past the head: exit 0" 0 cl log -d "$L" --from 400
eq "log --from 5 --to 4: nothing" "" "$(cl log -d "$L" --from 5 --to 4)"
usage_error "log --from x" cl log -d "$L" --from x
usage_error "log --to -1" cl log -d "$L" --to -1
usage_error "log with an argument" cl log -d "$L" 5

# ---- trail -------------------------------------------------------------------

B=AA-240415-02
cl trail -d "$L" "$B" --json > "$TMP/trail"
eq "trail --json: exit" 0 "$?"
# The batch's entries, found independently in the log: records naming the
# batch, and checks/handoffs naming one of its sales.
sales=$(grep "\"record\":{\"type\":\"sale\"" "$TMP/log" | grep "\"batch\":\"$B\"" |
	sed -n 's/.*"record":{"type":"sale","id":"\([^"]*\)".*/\1/p')
{
	grep "\"batch\":\"$B\"" "$TMP/log"
	for s in $sales; do grep "\"sale\":\"$s\"" "$TMP/log"; done
} | seq_of | sort -n > "$TMP/want_seqs"
seq_of < "$TMP/trail" > "$TMP/got_seqs"
eq "trail: the batch's entries, in order" "$(cat "$TMP/want_seqs")" "$(cat "$TMP/got_seqs")"
eq "trail: 5 sales" 5 "$(printf '%s\n' $sales | wc -l | tr -d ' ')"
eq "trail: starts with the batch record" 107 "$(head -n 1 "$TMP/trail" | seq_of)"
# each entry's batch_prev is the hash of the trail entry before it
bl=$(sed 's/.*"hash":"\([0-9a-f]*\)","prev":"[0-9a-f]*","batch_prev":\([^,]*\),.*/\1 \2/' "$TMP/trail" |
	awk 'NR == 1 && $2 != "null" { n++ } NR > 1 && $2 != "\"" last "\"" { n++ } { last = $1 } END { print n + 0 }')
eq "trail: batch_prev chain" 0 "$bl"
# the entries are the log's entries plus balances
t110=$(grep '^{"seq":110,' "$TMP/trail")
eq "trail: entry 110 = get 110 + balances" "$e110" "$(printf '%s\n' "$t110" | sed 's/,"balances":{[^}]*}}$/}/')"
bal110=$(printf '%s\n' "$t110" | sed -n 's/.*,"balances":{\([^}]*\)}}$/\1/p')
contains "trail: after 110 HN-DIST-017 holds 1880.000 LTR" '"HN-DIST-017":"1880.000 LTR"' "$bal110"
contains "trail: after 110 SD-PROD-003 holds 18000.000 LTR" '"SD-PROD-003":"18000.000 LTR"' "$bal110"
eq "trail: after 110, two holders" 2 "$(printf '%s\n' "$bal110" | tr ',' '\n' | wc -l | tr -d ' ')"
bal107=$(head -n 1 "$TMP/trail" | sed -n 's/.*,"balances":{\([^}]*\)}}$/\1/p')
eq "trail: after the batch record" '"SD-PROD-003":"20000.000 LTR"' "$bal107"
# at the end: the holdings of fixtures/world/README.md
last=$(tail -n 1 "$TMP/trail" | sed -n 's/.*,"balances":{\([^}]*\)}}$/\1/p')
contains "trail: end HN-DIST-017" '"HN-DIST-017":"1080.000 LTR"' "$last"
contains "trail: end SD-PROD-003" '"SD-PROD-003":"7000.000 LTR"' "$last"
contains "trail: end ZJ-DIST-008" '"ZJ-DIST-008":"4200.000 LTR"' "$last"
contains "trail: end ZJ-PHARMA-031" '"ZJ-PHARMA-031":"3705.700 LTR"' "$last"
contains "trail: end HN-DYE-022 (bought and consumed it all)" '"HN-DYE-022":"0.000 LTR"' "$last"
eq "trail: end, five holders" 5 "$(printf '%s\n' "$last" | tr ',' '\n' | wc -l | tr -d ' ')"
eq "trail --label = trail BATCH" "$(cat "$TMP/trail")" "$(cl trail -d "$L" --label 6920571043548-AA240415-02 --json)"
# text form
run cl trail -d "$L" "$B"
eq "trail (text): exit" 0 "$rc"
eq "trail (text): heading" "Batch AA-240415-02: 20000.000 LTR of 108-24-7 (Acetic anhydride 醋酸酐, category 2), production by SD-PROD-003, label 6920571043548-AA240415-02" \
	"$(head -n 1 "$TMP/out")"
contains "trail (text): the short delivery" "received 1880.000 LTR of sale S-SD-PROD-003-00337" "$(cat "$TMP/out")"
contains "trail (text): balances after it" "SD-PROD-003 18000.000 LTR, HN-DIST-017 1880.000 LTR" "$(cat "$TMP/out")"
eq "trail (text) = trail --label (text)" "$(cat "$TMP/out")" "$(cl trail -d "$L" --label 6920571043548-AA240415-02)"
# a batch without a label, and a mass batch
run cl trail -d "$L" HCL-240715-01 --json
eq "trail of an unlabelled batch: exit" 0 "$rc"
contains "trail of a mass batch: KGM balances" '"balances":{"JS-PROD-001":"40000.000 KGM"}}' "$(head -n 1 "$TMP/out")"
run cl trail -d "$L" NO-SUCH-BATCH
eq "trail of an unknown batch: exit 1" 1 "$rc"
eq "trail of an unknown batch: stdout" "" "$(cat "$TMP/out")"
eq "trail of an unknown batch: one line" 1 "$(lines "$TMP/err")"
run cl trail -d "$L" --label 0000000000000-NOPE
eq "trail --label unknown: exit 1" 1 "$rc"
eq "trail --label unknown: stdout" "" "$(cat "$TMP/out")"
# a record id that is not a batch id is not a batch
run cl trail -d "$L" S-SD-PROD-003-00337
eq "trail of a sale id: exit 1" 1 "$rc"
usage_error "trail without a batch" cl trail -d "$L"
usage_error "trail with BATCH and --label" cl trail -d "$L" "$B" --label 6920571043548-AA240415-02

# ---- export -------------------------------------------------------------------

run cl export -d "$L" -o "$TMP/world.export"
eq "export: exit" 0 "$rc"
eq "export: stdout" "" "$(cat "$TMP/out")"
ok "export: file exists" test -s "$TMP/world.export"
eq "export: magic" "CHEMLEDGER-EXPORT-1" "$(head -c 20 "$TMP/world.export")"
eq "export: magic ends with a newline" 0a "$(head -c 20 "$TMP/world.export" | tail -c 1 | od -An -tx1 | tr -d ' \n')"
# trailer: 'T', length 40, count 369 (u64 BE), the head hash
eq "export: trailer" "5400000028$(printf '%016x' 369)$h368" "$(tail -c 45 "$TMP/world.export" | od -An -v -tx1 | tr -d ' \n')"
eq "export: first frame is an entry" 45 "$(head -c 21 "$TMP/world.export" | tail -c 1 | od -An -tx1 | tr -d ' \n')"
cl export -d "$L" > "$TMP/world.stdout.export"
ok "export to stdout = export -o" cmp -s "$TMP/world.export" "$TMP/world.stdout.export"
cl export -d "$L" --output "$TMP/world.export"
eq "export over an older export: exit" 0 "$?"
ok "export: the same bytes again" cmp -s "$TMP/world.export" "$TMP/world.stdout.export"
usage_error "export into a missing directory" cl export -d "$L" -o "$TMP/no/such/x.export"
usage_error "export with an argument" cl export -d "$L" -o "$TMP/y.export" extra
# a ledger of one entry exports as magic + one frame + trailer
cl export -d "$TMP/again" -o "$TMP/one.export"
eq "export of a genesis-only ledger: count 1" "5400000028$(printf '%016x' 1)$g0" \
	"$(tail -c 45 "$TMP/one.export" | od -An -v -tx1 | tr -d ' \n')"

# ---- sign ----------------------------------------------------------------------

# The RFC 8032 test 1 key; its signature over the handoff below was computed
# independently (Python `cryptography`, docs/FORMAT.md signing input).
cat > "$TMP/rfc1.pem" <<'EOF'
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
EOF
chmod 600 "$TMP/rfc1.pem"
handoff='{"type":"handoff","id":"H-2024-000118","time":"2024-03-02T17:40:00+08:00","signer":"HN-DIST-017","sale":"S-2024-000118","quantity":"1199.500","uom":"LTR"}'
signed='{"type":"handoff","id":"H-2024-000118","time":"2024-03-02T09:40:00Z","signer":"HN-DIST-017","sale":"S-2024-000118","quantity":"1199.500","uom":"LTR","sig":"pxOgmU4dCRbxpGBYAP9N+mySaMb9pow7B2vb+jnnC4U1y995VevPQvCV+NAfKRUUqk3vBQdkmNAb8wwwq2yABg=="}'
printf '%s\n' "$handoff" > "$TMP/handoff.jsonl"
run cl sign -k "$TMP/rfc1.pem" "$TMP/handoff.jsonl"
eq "sign: exit" 0 "$rc"
eq "sign: exact output (known answer)" "$signed" "$(cat "$TMP/out")"
eq "sign: nothing on stderr" "" "$(cat "$TMP/err")"
eq "sign: from stdin" "$signed" "$(printf '%s\n' "$handoff" | cl sign -k "$TMP/rfc1.pem")"
eq "sign: from - " "$signed" "$(printf '%s\n' "$handoff" | cl sign -k "$TMP/rfc1.pem" -)"
eq "sign --key" "$signed" "$(printf '%s\n' "$handoff" | cl sign --key "$TMP/rfc1.pem")"
eq "sign: key order and spaces do not matter" "$signed" \
	"$(printf '%s\n' ' { "uom":"LTR" , "quantity":"1199.500","sale":"S-2024-000118","signer":"HN-DIST-017","time":"2024-03-02T09:40:00Z","id":"H-2024-000118","type":"handoff" } ' | cl sign -k "$TMP/rfc1.pem")"
# replacing an old sig: another key's, and garbage
other=$(printf '%s\n' "$handoff" | cl sign -k "$TMP/k1.pem")
ok "sign: another key gives another sig" test "$other" != "$signed"
eq "sign: replaces another key's sig" "$signed" "$(printf '%s\n' "$other" | cl sign -k "$TMP/rfc1.pem")"
eq "sign: replaces a garbage sig" "$signed" \
	"$(printf '%s\n' "$handoff" | sed 's/}$/,"sig":"not base64 at all"}/' | cl sign -k "$TMP/rfc1.pem")"
eq "sign: replaces a non-string sig" "$signed" \
	"$(printf '%s\n' "$handoff" | sed 's/}$/,"sig":42}/' | cl sign -k "$TMP/rfc1.pem")"
eq "sign: resigning a signed line is a fixed point" "$signed" "$(printf '%s\n' "$signed" | cl sign -k "$TMP/rfc1.pem")"
# schema errors: reported with their line number, the rest still signed
{
	printf '%s\n' "$handoff"
	printf '%s\n' "$handoff" | sed 's/"quantity":"1199.500"/"quantity":"0"/'
	printf '\n'
	printf '%s\n' '{"type":"handoff",'
	printf '%s\n' "$handoff" | sed 's/"uom":"LTR"/"uom":"LTR","colour":"red"/'
	printf '%s\n' "$handoff" | sed 's/H-2024-000118/H-2/'
} > "$TMP/mixed.jsonl"
run cl sign -k "$TMP/rfc1.pem" "$TMP/mixed.jsonl"
eq "sign with bad lines: exit 1" 1 "$rc"
eq "sign with bad lines: good lines signed" 2 "$(lines "$TMP/out")"
eq "sign with bad lines: first is line 1" "$signed" "$(head -n 1 "$TMP/out")"
contains "sign with bad lines: last is line 6" '"id":"H-2"' "$(tail -n 1 "$TMP/out")"
eq "sign with bad lines: one stderr line each" 3 "$(lines "$TMP/err")"
contains "sign: line 2 named" "line 2: BAD_FIELD: quantity" "$(cat "$TMP/err")"
contains "sign: line 4 named" "line 4: MALFORMED_JSON" "$(cat "$TMP/err")"
contains "sign: line 5 named" "line 5: BAD_FIELD: unknown field \"colour\"" "$(cat "$TMP/err")"
# a genesis record is never signed
run sh -c 'printf "%s\n" "{\"type\":\"genesis\",\"id\":\"genesis\",\"time\":\"2024-01-01T00:00:00Z\",\"name\":\"X\",\"authority\":\"A\",\"key\":\"$1\"}" | "$2" sign -k "$3"' sh "$pub1" "$ROOT/bin/chemledger" "$TMP/rfc1.pem"
eq "sign genesis: exit 1" 1 "$rc"
eq "sign genesis: no output" "" "$(cat "$TMP/out")"
contains "sign genesis: named" "line 1: BAD_FIELD: type" "$(cat "$TMP/err")"
usage_error "sign with an RSA key" cl sign -k "$FIX/bad/rsa.pem" "$TMP/handoff.jsonl"
usage_error "sign with a missing key" cl sign -k "$TMP/missing.pem" "$TMP/handoff.jsonl"
usage_error "sign a missing file" cl sign -k "$TMP/rfc1.pem" "$TMP/missing.jsonl"
usage_error "sign without -k" cl sign "$TMP/handoff.jsonl"
usage_error "sign two files" cl sign -k "$TMP/rfc1.pem" "$TMP/handoff.jsonl" "$TMP/handoff.jsonl"

# ---- submit (one by one, on the small ledger) ----------------------------------

S=$TMP/parent/L
# AUTH-1's key is k1.pem: register a chemical
printf '%s\n' '{"type":"chemical","id":"chem-108-24-7","time":"2024-06-02T00:00:00Z","signer":"AUTH-1","cas":"108-24-7","name":"Acetic anhydride","category":2,"measure":"volume","tolerance_permille":5}' |
	cl sign -k "$TMP/k1.pem" > "$TMP/chem.jsonl"
run cl submit -d "$S" "$TMP/chem.jsonl"
eq "submit: exit" 0 "$rc"
c1=$(cat "$TMP/out" | hash_of)
eq "submit: appended line" "{\"line\":1,\"id\":\"chem-108-24-7\",\"status\":\"appended\",\"seq\":1,\"hash\":\"$c1\"}" "$(cat "$TMP/out")"
eq "submit: head is the appended entry" "{\"seq\":1,\"hash\":\"$c1\"}" "$(cl head -d "$S")"
eq "submit: get 1 prev is the genesis" "$g0" "$(cl get -d "$S" 1 | prev_of)"
eq "submit: get 1 hash" "$c1" "$(cl get -d "$S" 1 | hash_of)"
sum=$(cksum < "$S/data.mdb")
run cl submit -d "$S" "$TMP/chem.jsonl"
eq "resubmit: exit 0" 0 "$rc"
eq "resubmit: duplicate with the same seq and hash" "{\"line\":1,\"id\":\"chem-108-24-7\",\"status\":\"duplicate\",\"seq\":1,\"hash\":\"$c1\"}" "$(cat "$TMP/out")"
eq "resubmit: head unchanged" "{\"seq\":1,\"hash\":\"$c1\"}" "$(cl head -d "$S")"
# the same content with other key order and white space is the same record
sed 's/^{"type":"chemical",\(.*\)}$/ { \1 , "type" : "chemical" } /' "$TMP/chem.jsonl" > "$TMP/chem2.jsonl"
eq "resubmit reordered: duplicate" "{\"line\":1,\"id\":\"chem-108-24-7\",\"status\":\"duplicate\",\"seq\":1,\"hash\":\"$c1\"}" \
	"$(cl submit -d "$S" "$TMP/chem2.jsonl")"
# from stdin, several lines: appended, duplicate, rejected, appended
printf '%s\n' '{"type":"chemical","id":"chem-67-66-3","time":"2024-06-02T00:00:00Z","signer":"AUTH-1","cas":"67-66-3","name":"Chloroform","category":2,"measure":"volume","tolerance_permille":8}' |
	cl sign -k "$TMP/k1.pem" > "$TMP/chem3.jsonl"
{
	cat "$TMP/chem3.jsonl"
	cat "$TMP/chem.jsonl"
	echo
	sed 's/"tolerance_permille":8/"tolerance_permille":9/' "$TMP/chem3.jsonl"
	printf '%s\n' '{"type":"chemical","id":"chem-60-29-7","time":"2024-06-02T00:00:00Z","signer":"AUTH-1","cas":"60-29-7","name":"Ethyl ether","category":2,"measure":"volume","tolerance_permille":10}' |
		cl sign -k "$TMP/k1.pem"
} > "$TMP/batch.jsonl"
run sh -c '"$1" submit -d "$2" < "$3"' sh "$ROOT/bin/chemledger" "$S" "$TMP/batch.jsonl"
eq "submit mixed: exit 1" 1 "$rc"
eq "submit mixed: one result per non-blank line" 4 "$(lines "$TMP/out")"
contains "submit mixed: line 1 appended as 2" '{"line":1,"id":"chem-67-66-3","status":"appended","seq":2,"hash":"' "$(sed -n 1p "$TMP/out")"
eq "submit mixed: line 2 duplicate" "{\"line\":2,\"id\":\"chem-108-24-7\",\"status\":\"duplicate\",\"seq\":1,\"hash\":\"$c1\"}" "$(sed -n 2p "$TMP/out")"
contains "submit mixed: line 4 rejected (blank line 3 skipped)" '{"line":4,"id":"chem-67-66-3","status":"rejected","error":"DUPLICATE_ID","message":"id: ' "$(sed -n 3p "$TMP/out")"
contains "submit mixed: line 5 appended as 3" '{"line":5,"id":"chem-60-29-7","status":"appended","seq":3,"hash":"' "$(sed -n 4p "$TMP/out")"
eq "submit mixed: head" 3 "$(cl head -d "$S" | sed -n 's/{"seq":\([0-9]*\),.*/\1/p')"
usage_error "submit a missing file" cl submit -d "$S" "$TMP/missing.jsonl"
usage_error "submit two files" cl submit -d "$S" "$TMP/chem.jsonl" "$TMP/chem.jsonl"
usage_error "submit without a ledger" cl submit "$TMP/chem.jsonl"
run cl submit -d "$S" /dev/null
eq "submit of nothing: exit 0" 0 "$rc"
eq "submit of nothing: no output" "" "$(cat "$TMP/out")"

# ---- -d, --ledger, CHEMLEDGER_DIR ------------------------------------------------

wanthead=$(cl head -d "$L")
eq "--ledger" "$wanthead" "$(cl head --ledger "$L")"
eq "--ledger=DIR" "$wanthead" "$(cl head --ledger="$L")"
eq "CHEMLEDGER_DIR" "$wanthead" "$(CHEMLEDGER_DIR=$L cl head)"
eq "-d wins over CHEMLEDGER_DIR" "$(cl head -d "$S")" "$(CHEMLEDGER_DIR=$L cl head -d "$S")"
eq "CHEMLEDGER_DIR for get" "$e110" "$(CHEMLEDGER_DIR=$L cl get 110)"
eq "--ledger for log" 10 "$(cl log --ledger "$L" --from 1 --to 10 | wc -l | tr -d ' ')"
eq "CHEMLEDGER_DIR for trail" "$(cat "$TMP/trail")" "$(CHEMLEDGER_DIR=$L cl trail "$B" --json)"
eq "CHEMLEDGER_DIR for submit" "{\"line\":1,\"id\":\"chem-108-24-7\",\"status\":\"duplicate\",\"seq\":1,\"hash\":\"$c1\"}" \
	"$(CHEMLEDGER_DIR=$S cl submit "$TMP/chem.jsonl")"
CHEMLEDGER_DIR=$L cl export -o "$TMP/env.export"
ok "CHEMLEDGER_DIR for export" cmp -s "$TMP/env.export" "$TMP/world.export"
usage_error "empty CHEMLEDGER_DIR" env CHEMLEDGER_DIR= "$ROOT/bin/chemledger" head
CHEMLEDGER_DIR=$TMP/env-init cl init --name E --authority A --authority-key "$pub1" --time 2024-01-01T00:00:00Z >/dev/null
ok "CHEMLEDGER_DIR for init" test -f "$TMP/env-init/data.mdb"

# ---- --help, unknown commands and options ------------------------------------------

for c in keygen pubkey init sign submit get log head trail export; do
	run cl "$c" --help
	eq "$c --help: exit 0" 0 "$rc"
	eq "$c --help: usage line" "usage: chemledger $c" "$(head -n 1 "$TMP/out" | cut -d ' ' -f 1-3)"
	eq "$c --help: nothing on stderr" "" "$(cat "$TMP/err")"
	run cl "$c" -h
	eq "$c -h: exit 0" 0 "$rc"
done
for h in --help -h help; do
	run cl "$h"
	eq "chemledger $h: exit 0" 0 "$rc"
	eq "chemledger $h: usage on stdout" "usage: chemledger COMMAND [OPTIONS]" "$(head -n 1 "$TMP/out")"
	eq "chemledger $h: nothing on stderr" "" "$(cat "$TMP/err")"
	for c in keygen pubkey init sign submit get log head trail export; do
		contains "chemledger $h lists $c" "  $c " "$(cat "$TMP/out")"
	done
done
usage_error "unknown command" cl frobnicate -d "$L"
contains "unknown command: named" frobnicate "$(cat "$TMP/err")"
usage_error "unknown option" cl head -d "$L" --frobnicate
usage_error "option of another command" cl head -d "$L" --json
usage_error "option without its value" cl head -d
run cl
eq "no command: exit 2" 2 "$rc"
eq "no command: nothing on stdout" "" "$(cat "$TMP/out")"
contains "no command: usage on stderr" "usage: chemledger" "$(cat "$TMP/err")"

finish
