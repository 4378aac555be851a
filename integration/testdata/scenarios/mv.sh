# mv of files and directories, onto existing ones, into themselves and
# across file systems.
W=$PWD
umask 022
cd "$D"
mkdir d1 d2 full emptydst
echo a > f1; echo b > f2; echo c > full/x
mv f1 f3; echo "rename: $?"
mv f3 f2; echo "onto existing file: $?"
cat f2
mv f2 d1/; echo "into dir: $?"
mv d1 d2; echo "dir into existing dir: $?"
find . -printf '%p %y %n\n' | sort
mv -T d2/d1 emptydst; echo "dir onto empty dir: $?"
find . -printf '%p %y %n\n' | sort
mv -T emptydst full; echo "dir onto non-empty dir: $?"
mv emptydst emptydst/sub; echo "dir into itself: $?"
echo z > z
mv -T z full; echo "file onto dir: $?"
mv -T full z; echo "dir onto file: $?"
mv missing x; echo "missing: $?"
mv z z; echo "onto itself: $?"
ln z zlink
mv z zlink; echo "onto own hard link: $?"
ls
mv zlink "$W/moved-out"; echo "out of \$D: $?"
cat "$W/moved-out"
mv "$W/moved-out" back; echo "back into \$D: $?"
stat -c '%n %s %a %h' back
mkdir -p "$W/tree/sub" && echo t > "$W/tree/sub/t"
mv "$W/tree" .; echo "tree into \$D: $?"
find tree -printf '%p %y %n\n' | sort
mv tree "$W/"; echo "tree out of \$D: $?"
ls "$W/tree/sub"
mv -n back d2; echo "mv -n: $?"
echo nb > nb
mv -n nb d2/back; echo "mv -n onto existing: $?"
cat d2/back
mv -b nb d2/back; echo "mv -b: $?"
ls d2; cat d2/back d2/back~
find . -printf '%p %y %n %s\n' | sort
