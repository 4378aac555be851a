# cd into $D and relative paths from there; pwd, pwd -P and getcwd.
umask 022
mkdir -p "$D/sub/deep" "$D/other"
echo x > "$D/other/f"
cd "$D/sub" && pwd && ls ..
cd deep && pwd && ls ../.. && cat ../../other/f
cd ../../other && pwd && /bin/pwd && ls -a .
ln -s "$D/sub" "$D/lnk"
cd "$D/lnk/deep" && pwd && pwd -P && /bin/pwd
cd -P "$D/lnk" && pwd
cd .. && pwd
cd "$D/sub"
touch rel1; mkdir rel2; mv rel1 rel2/; ls rel2; ls ../sub/rel2
echo "$(cat ./rel2/rel1 | wc -c)"
cd rel2 && cd .. && pwd
(cd "$D/missing"); echo "cd missing: $?"
(cd "$D/other/f"); echo "cd file: $?"
cd "$D"
ls sub/./deep/../rel2
find . -printf '%p\n' | sort
cd / && cd "$D/sub/deep" && cd ../../other && cat f && /bin/pwd
sh -c 'pwd; ls'
# Paths through the working directory's link lead to it.
echo y > /proc/self/cwd/viaproc && cat /proc/self/cwd/viaproc ./viaproc /proc/self/cwd/../other/viaproc
ls /proc/self/cwd/
sh -c 'cat /proc/self/cwd/viaproc; ls /proc/thread-self/cwd/'
# So do paths through the root's link.
echo z > "/proc/self/root$D/other/viaroot" && cat "$D/other/viaroot" && ls "/proc/thread-self/root$D/other"
