# dd, truncate and checksums.
umask 022
dd if=/dev/zero of="$D/z" bs=4k count=100 2>&1 | sed -n '1,2p'
stat -c '%n %s' "$D/z"
cksum < "$D/z"
printf ABCD | dd of="$D/z" bs=1 seek=409590 conv=notrunc 2>/dev/null
stat -c '%n %s' "$D/z"
dd if="$D/z" bs=1 skip=409588 count=10 2>/dev/null | od -c | sed 's/  */ /g'
printf EFGH | dd of="$D/z" bs=1 seek=409598 conv=notrunc 2>/dev/null
stat -c '%n %s' "$D/z"
dd if="$D/z" of="$D/z2" bs=64k 2>&1 | sed -n '1,2p'
cmp "$D/z" "$D/z2" && echo same
truncate -s 1M "$D/z2"; stat -c '%n %s' "$D/z2"
truncate -s 10 "$D/z2"; od -c "$D/z2" | sed 's/  */ /g'
truncate -s +5 "$D/z2"; stat -c '%n %s' "$D/z2"
dd if=/dev/zero of="$D/seeked" bs=1k seek=10 count=1 status=none; stat -c '%n %s' "$D/seeked"
dd if=/dev/zero of="$D/seeked" bs=1k count=1 status=none; stat -c '%n %s' "$D/seeked"
sha256sum "$D/z" | cut -c1-64
dd if="$D/missing" of=/dev/null 2>&1; echo "dd missing: $?"
dd if=/dev/zero of="$D/t" bs=1 count=3 oflag=append conv=notrunc status=none
dd if=/dev/zero of="$D/t" bs=1 count=3 oflag=append conv=notrunc status=none
stat -c '%n %s' "$D/t"
head -c 100000 "$D/z" | tail -c 5 | od -c | sed 's/  */ /g'
seq 1 20000 > "$D/seq"; stat -c '%n %s' "$D/seq"; tail -n 2 "$D/seq"; wc -l < "$D/seq"
