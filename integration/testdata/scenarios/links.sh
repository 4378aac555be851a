# Hard links (link counts) and symbolic links (relative, absolute,
# dangling, loops). Absolute targets contain $D, so their sizes are never
# printed.
umask 022
cd "$D"
echo data > f
ln f h1; ln f h2
stat -c '%n %h %s' f h1 h2
rm h1; stat -c '%n %h' f h2
ln f h2; echo "ln onto existing: $?"
mkdir sub
ln sub sublink; echo "ln dir: $?"
ln -s f rel
ln -s "$D/f" abs
ln -s nowhere dangling
ln -s ../f sub/up
ln -s sub/../f dotdot
readlink rel abs dangling sub/up dotdot
cat rel abs sub/up dotdot
cat dangling; echo "cat dangling: $?"
stat -c '%n %s %a %h %F' rel dangling sub/up
stat -c '%n %a %h %F' abs
stat -L -c '%n %s %a %h %F' rel abs sub/up
stat -c '%N' rel dangling
[ -e dangling ] || echo "dangling: -e false"
[ -L dangling ] && echo "dangling: -L true"
[ -h abs ] && [ -f abs ] && echo "abs: -h and -f"
ln -s loop2 loop1; ln -s loop1 loop2
cat loop1; echo "cat loop: $?"
ln -sf h2 rel; readlink rel
ln -s . self
ls self/self/self/sub
ln rel hrel
stat -c '%n %h %F' rel hrel
mkdir d d/s1 d/s2
stat -c '%n %h' d
rmdir d/s1; stat -c '%n %h' d
mv d/s2 .; stat -c '%n %h' d
stat -c '%n %h' .
ln -s sub sl; ls sl/ ; cd sl && pwd && cd ..
readlink -f sl/up | sed "s|^$D|\$D|"
ls -l --time-style=+@ rel dangling sub/up | sed 's/ @ / /'
echo more >> h2; cat f
rm f; cat h2; stat -c '%n %h' h2
find . -printf '%p %y %n\n' | sort
