# need: tar
# tar c of a tree in $D and tar x into another directory of $D.
umask 022
mkdir -p "$D/src/a/b" "$D/src/c"
echo one > "$D/src/a/f"
echo two > "$D/src/a/b/g"
seq 1 5000 > "$D/src/c/seq"
ln -s a/f "$D/src/l"
ln "$D/src/a/b/g" "$D/src/c/hard"
chmod 0600 "$D/src/a/f"
chmod 0700 "$D/src/c"
find "$D/src" -exec touch -h -d @1000000000 {} +
cd "$D"
tar --sort=name -cf "$D/t.tar" src; echo "tar c: $?"
stat -c '%n %s' "$D/t.tar"
cksum < "$D/t.tar"
tar tvf "$D/t.tar"
mkdir "$D/out"
tar xf "$D/t.tar" -C "$D/out"; echo "tar x: $?"
(cd "$D/out" && find . -mindepth 1 -printf '%p %s %m %n %y %l %T@\n' | sort)
diff -r "$D/src" "$D/out/src" && echo identical
tar --sort=name -cf - -C "$D" src | tar xf - -C "$D/out" --transform 's/^src/piped/'; echo "pipe: $?"
(cd "$D/out" && find piped -printf '%p %s %m %n %y %l %T@\n' | sort)
echo changed > "$D/out/src/a/f"
tar xf "$D/t.tar" -C "$D/out"; echo "tar x over existing: $?"
cat "$D/out/src/a/f"
tar --sort=name -czf "$D/t.tgz" -C "$D" src && tar tzf "$D/t.tgz" | sort
tar xf "$D/missing.tar"; echo "tar missing: $?"
