# /proc/self/exe of a program run from the directory: its path, links
# resolved (a program finds its files from it: clang, go, node). The
# programs are coreutils' (busybox sh's `command -v` names its applets),
# under names long enough for the seccomp net to run them.
cp /usr/bin/readlink "$D/readlink-copy"
"$D/readlink-copy" /proc/self/exe
ln -s readlink-copy "$D/readlink-link" && "$D/readlink-link" /proc/self/exe
cd "$D" && ./readlink-copy /proc/self/exe && ./readlink-copy -f /proc/self/exe
cp /usr/bin/realpath "$D/realpath-copy" && "$D/realpath-copy" /proc/self/exe
cp /usr/bin/cat "$D/cat-copy" && "$D/cat-copy" /proc/self/exe | cmp - "$D/cat-copy" && echo same
/usr/bin/ls -l /proc/self/exe | sed 's/.* -> //'
