#!/bin/sh
# Permissions: ledger directory 0700 and files 0600, keys 0600 and never
# overwritten, and a ledger directory that others could tamper with refused.
. "$(dirname "$0")/lib.sh"
umask 022 # the ledger must not depend on a careful umask
L=$TMP/ledger
cl init -d "$L" --name perms --authority MPS-NCC --authority-key "$(cl pubkey -k "$FIX/keys/MPS-NCC.pem")" > /dev/null
eq "ledger directory is 0700" 700 "$(stat -c %a "$L")"
eq "data.mdb is 0600" 600 "$(stat -c %a "$L/data.mdb")"
eq "lock.mdb is 0600" 600 "$(stat -c %a "$L/lock.mdb")"
cl keygen -o "$TMP/k.pem" > "$TMP/pub1"
eq "key file is 0600" 600 "$(stat -c %a "$TMP/k.pem")"
sum1=$(cksum < "$TMP/k.pem")
cl keygen -o "$TMP/k.pem" > /dev/null 2> "$TMP/err"
eq "keygen over an existing file: exit 2" 2 $?
contains "keygen says why" "already exists" "$(cat "$TMP/err")"
eq "the existing key is untouched" "$sum1" "$(cksum < "$TMP/k.pem")"
ln -s "$TMP/elsewhere.pem" "$TMP/link.pem"
cl keygen -o "$TMP/link.pem" > /dev/null 2>&1
eq "keygen does not follow a dangling symlink" 2 $?
ok "nothing created through the symlink" test ! -e "$TMP/elsewhere.pem"

chmod 0777 "$L"
printf '' | cl submit -d "$L" > /dev/null 2> "$TMP/err"
eq "world-writable ledger directory: exit 2" 2 $?
contains "says why" "writable by others" "$(cat "$TMP/err")"
cl head -d "$L" > /dev/null 2> "$TMP/err"
eq "not even read" 2 $?
chmod 0700 "$L"
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
	chown -R nobody "$L"
	printf '' | cl submit -d "$L" > /dev/null 2> "$TMP/err"
	eq "someone else's ledger directory: submit exit 2" 2 $?
	contains "says whose" "owned by uid" "$(cat "$TMP/err")"
	cl head -d "$L" > /dev/null
	eq "but it may be read" 0 $?
	chown -R 0 "$L"
else
	echo "SKIP: ownership check needs root"
fi
mkdir -m 0777 "$TMP/open"
cl init -d "$TMP/open" --name x --authority A --authority-key "$(cat "$TMP/pub1")" > /dev/null 2> "$TMP/err"
eq "init refuses a world-writable directory" 2 $?
ok "and leaves no ledger in it" test ! -e "$TMP/open/data.mdb"
finish
