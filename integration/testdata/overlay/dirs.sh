# Directories: rename (the kernel without redirect_dir answers EXDEV to a
# lower directory and mv falls back to copying; zvfs renames), removal of
# trees, errors.
set -u
cd "$D"
mv dir moved; echo "mv: $?"; ls moved moved/sub
cat moved/sub/y.txt
mkdir dir; ls -A dir; echo "new dir empty: $?"
rmdir moved 2>&1 | sed 's/^rmdir: //'
rm -rf moved; ls
mkdir -p deep/a/b && echo z > deep/a/b/z && ls -R deep
mv deep/a deep/c && ls -R deep
touch empty/f && rmdir empty 2>&1 | sed 's/^rmdir: //'
mkdir a.txt 2>&1 | sed 's/^mkdir: //'
ls dir/../a.txt
echo x > a.txt/y 2>&1 | sed 's/^.*: //'
find . -mindepth 1 | LC_ALL=C sort
