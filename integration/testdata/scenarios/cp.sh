# cp -a of a tree from the working directory into $D and back out.
W=$PWD
umask 022
mkdir -p src/a/b src/c
echo hello > src/a/f
echo world > src/a/b/g
: > src/empty
chmod 0600 src/a/f
chmod 0750 src/c
chmod 4755 src/empty
ln -s a/f src/rel
ln -s /nonexistent/x src/dangling
ln src/a/b/g src/hard
find src -exec touch -h -d '2001-02-03 04:05:06.123456789' {} +
cp -a src "$D/copy"; echo "cp -a in: $?"
cd "$D/copy" && find . -printf '%p %s %m %n %y %u %g %l %TY-%Tm-%Td %TT\n' | sort
cd "$W"
du -a -l --apparent-size "$D/copy" | sort -k2
cp -a "$D/copy" out; echo "cp -a out: $?"
(cd out && find . ! -type d -printf '%p %s %m %n %y %l %TY-%Tm-%Td %TT\n' | sort)
(cd out && find . -type d -printf '%p %m %n %TY-%Tm-%Td %TT\n' | sort)
diff -r --no-dereference src out && echo "round trip identical"
cp -r src "$D/plain"; echo "cp -r: $?"
find "$D/plain" -printf '%P %m %n %y %l\n' | sort
cp "$D/copy/a/f" "$D/copy/a/f"; echo "cp onto itself: $?"
cp "$D/copy/a" "$D/x"; echo "cp dir without -r: $?"
cp "$D/copy/a/f" "$D/copy/a/b/"; echo "cp into dir: $?"
cat "$D/copy/a/b/f"
cp -a "$D/copy/rel" "$D/rel2"; readlink "$D/rel2"
cp -L "$D/copy/rel" "$D/deref"; stat -c '%n %s %F' "$D/deref"
cp "$D/copy/dangling" "$D/x2"; echo "cp dangling: $?"
cp -u "$D/copy/a/f" "$D/deref"; echo "cp -u: $?"
cp --preserve=mode,timestamps "$D/copy/a/f" "$D/pres"; stat -c '%n %a %Y' "$D/pres"
