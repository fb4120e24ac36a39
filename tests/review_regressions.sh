#!/bin/sh
# Regressions for defects a code review found (each was reproduced first).
. "$(dirname "$0")/lib.sh"
K=$FIX/keys
L=$TMP/ledger
build_world "$L"

# 1. Two inits racing on one directory: exactly one wins, and its ledger stays.
PUB=$(cl pubkey -k "$K/MPS-NCC.pem")
bad=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	R=$TMP/race$i
	mkdir -m 700 "$R"
	"$ROOT/bin/chemledger" init -d "$R" --name r --authority MPS-NCC --authority-key "$PUB" > "$TMP/r1" 2>&1 &
	"$ROOT/bin/chemledger" init -d "$R" --name r --authority MPS-NCC --authority-key "$PUB" > "$TMP/r2" 2>&1
	wait
	[ "$(cat "$TMP/r1" "$TMP/r2" | grep -c '"seq":0')" = 1 ] || bad=$((bad + 1))
	cl head -d "$R" > /dev/null 2>&1 || bad=$((bad + 1))
done
eq "racing inits: one winner, its ledger intact (10 rounds)" 0 "$bad"

# 2. The authority is fixed at genesis: no party record may make another.
printf '%s\n' '{"type":"party","id":"party-X-AUTH","time":"2024-12-19T00:00:00Z","signer":"MPS-NCC","party":"X-AUTH","name":"Not the regulator","roles":["authority"],"key":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=","licences":[]}' |
	cl sign -k "$K/MPS-NCC.pem" > "$TMP/auth.jsonl"
cl submit -d "$L" "$TMP/auth.jsonl" > "$TMP/out"
eq "second authority: exit 1" 1 $?
contains "second authority: ROLE_NOT_ALLOWED" '"error":"ROLE_NOT_ALLOWED"' "$(cat "$TMP/out")"
# ... and when it is forced into a chain anyway, chemverify flags it.
cl export -d "$L" -o "$TMP/w.exp"
"$ROOT/build/tools/forge" -r insert "$TMP/w.exp" "$TMP/auth.exp" 369 "$TMP/auth.jsonl" > /dev/null 2>&1
cv --export "$TMP/auth.exp" --json > "$TMP/v"
contains "forced second authority: flagged" '"code":"ROLE_NOT_ALLOWED","severity":"error","seq":369' "$(cat "$TMP/v")"
# The genesis authority may still re-register itself (key rotation).
printf '%s\n' '{"type":"party","id":"party-MPS-NCC-rekey","time":"2024-12-19T00:00:00Z","signer":"MPS-NCC","party":"MPS-NCC","name":"Regulator","roles":["authority"],"key":"'"$PUB"'","licences":[]}' |
	cl sign -k "$K/MPS-NCC.pem" > "$TMP/rekey.jsonl"
cp -r "$L" "$TMP/l2"
cl submit -d "$TMP/l2" "$TMP/rekey.jsonl" > "$TMP/out"
contains "the authority re-registers itself" '"status":"appended"' "$(cat "$TMP/out")"

# 3. trail credits a second handoff of one sale nothing (as chemverify books it).
printf '%s\n' '{"type":"handoff","id":"H-SECOND","time":"2024-12-19T00:00:00Z","signer":"HN-DIST-017","sale":"S-SD-PROD-003-00337","quantity":"400.000","uom":"LTR"}' |
	cl sign -k "$K/HN-DIST-017.pem" > "$TMP/h2.jsonl"
cp -r "$L" "$TMP/l3"
cl submit -d "$TMP/l3" "$TMP/h2.jsonl" > /dev/null
last=$(cl trail -d "$TMP/l3" AA-240415-02 --json | tail -n 1)
contains "second handoff is in the trail" '"id":"H-SECOND"' "$last"
want=$(cl trail -d "$L" AA-240415-02 --json | tail -n 1 | sed 's/.*"HN-DIST-017":"\([^"]*\)".*/\1/')
eq "second handoff credits nothing" "$want" "$(echo "$last" | sed 's/.*"HN-DIST-017":"\([^"]*\)".*/\1/')"

# 4. Result lines keep "id" and "message" when input was cut inside a UTF-8 character.
id=$(awk 'BEGIN { printf "a"; for (i = 0; i < 40; i++) printf "\303\251" }')
printf '{"type":"sale","id":"%s","time":"x"}\n' "$id" > "$TMP/u.jsonl"
cl submit -d "$L" "$TMP/u.jsonl" > "$TMP/out"
contains "cut UTF-8 id: id kept" '"id":"a' "$(cat "$TMP/out")"
contains "cut UTF-8 id: message kept" '"message":' "$(cat "$TMP/out")"
ty=$(awk 'BEGIN { printf "a"; for (i = 0; i < 30; i++) printf "\303\251" }')
printf '{"type":"%s"}\n' "$ty" > "$TMP/u2.jsonl"
cl submit -d "$L" "$TMP/u2.jsonl" > "$TMP/out"
contains "cut UTF-8 type: message kept" '"message":"type: ' "$(cat "$TMP/out")"

# 5. --batch shows a forged registration: the batch depends on every key,
#    role, licence and revocation the chain registered.
"$ROOT/build/tools/forge" -r edit "$TMP/w.exp" "$TMP/rv.exp" R-2024-0031 reason '"typo"' > /dev/null 2>&1
cv --export "$TMP/rv.exp" --batch AA-240415-02 --json > "$TMP/v"
eq "--batch with a forged revoke: exit 1" 1 $?
contains "--batch with a forged revoke: BAD_SIGNATURE shown" '"code":"BAD_SIGNATURE","severity":"error","seq":367' "$(cat "$TMP/v")"

# 6. Empty (and over-long) names are "not found" (exit 1), not a storage
#    error: LMDB takes no empty key and none over 511 bytes.
long=$(awk 'BEGIN { for (i = 0; i < 600; i++) printf "B" }')
for q in "trail -d $L ''" "trail -d $L --label ''" "get -d $L --id ''" "trail -d $L $long" "get -d $L --id $long"; do
	eval "cl $q" > /dev/null 2> "$TMP/err"
	eq "${q%% *} ${q#* * * } (${#q} chars): exit 1" 1 $?
	contains "${q%% *} (${#q} chars): says what was not found" "no " "$(cat "$TMP/err")"
done

finish
