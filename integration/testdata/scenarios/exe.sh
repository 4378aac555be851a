# /proc/self/exe of a program run from the directory: its path, links
# resolved (a program finds its files from it: clang, go, node).
# need: readlink realpath cmp
cp "$(command -v readlink)" "$D/rl"
"$D/rl" /proc/self/exe
ln -s rl "$D/lnk" && "$D/lnk" /proc/self/exe
cd "$D" && ./rl /proc/self/exe && ./rl -f /proc/self/exe
cp "$(command -v realpath)" "$D/rp" && "$D/rp" /proc/self/exe
cp "$(command -v cat)" "$D/cat" && "$D/cat" /proc/self/exe | cmp - "$D/cat" && echo same
ls -l /proc/self/exe | sed 's/.* -> //'
