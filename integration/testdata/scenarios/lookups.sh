# Lookups of names deep in a tree, before and after the tree changes above
# them: what zvfs's view holds must follow renames, removals and mode
# changes of every directory on the way.
set -u
cd "$D"
mkdir -p a/b/c x
echo one > a/b/c/f
ln -s c/f a/b/l
look() { for p in "$@"; do
	if [ -e "$p" ]; then echo "$p: $(stat -c '%F %a %s %h' "$p")"; else echo "$p: missing"; fi
	[ -L "$p" ] && echo "$p -> $(readlink "$p")"
	[ -r "$p" ] && [ -f "$p" ] && echo "$p reads $(cat "$p")"
done; }
look a/b/c/f a/b/l a/b/c a/b/nope
mv a z
look a/b/c/f a/b/l z/b/c/f z/b/l z/b/c/nope
mv z/b x/b
look z/b/c/f x/b/c/f x/b/l
chmod 700 x/b/c
look x/b/c/f x/b/c
chmod 755 x/b/c
rm -r x/b
look x/b/c/f x/b/l x/b
mkdir -p x/b/c
echo two > x/b/c/f
look x/b/c/f x/b/l
ls -R x z | sort
# A directory renamed over an empty one that was looked into.
mkdir -p y/c2 x/b/c
echo three > x/b/c/g
look y/c2/g y/c2/nope
mv -T x/b/c y/c2
look y/c2/g y/c2/f x/b/c/g
ls -R y | sort
# Paths with "." names, repeated and final slashes, through links to
# directories and to files, and below names that do not exist.
mkdir -p dots/d/e
echo four > dots/f
ln -s d dots/ld
ln -s f dots/lf
look dots/. dots/./d dots//d/e dots/d/e/ dots/d/. dots/ld/. dots/ld/ dots/ld dots/lf/ dots/lf/. dots/f/. dots/./f
look dots/nope/x dots/nope/x/. dots/d/nope/y dots/f/x
(cd dots/d && look . ./e e/. ../f)
rm -r dots/d
look dots/ld/. dots/d/. dots/ld
