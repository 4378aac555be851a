# bash: globbing, test operators, noclobber, {fd} redirections,
# process substitution, mapfile and $(<file) on files in $D.
umask 022
shopt -s nullglob dotglob
mkdir "$D/g"
touch "$D/g/"{b,a,.h,c.txt}
for f in "$D"/g/*; do echo "${f#$D/}"; done
echo "${D}"/g/*.txt | sed "s|$D|\$D|g"
files=("$D"/g/nomatch*); echo "nomatch: ${#files[@]}"
[[ -d $D/g ]] && echo dir
[[ -f $D/g/a ]] && echo file
[[ -s $D/g/a ]] || echo empty
echo hi > "$D/g/a"
[[ -s $D/g/a ]] && echo nonempty
[[ -r $D/g/a && -w $D/g/a && ! -x $D/g/a ]] && echo "rw-"
set -o noclobber
echo x > "$D/g/a" || echo "noclobber refused"
set +o noclobber
exec {fd}>"$D/g/dyn"
echo dynamic >&"$fd"
exec {fd}>&-
cat "$D/g/dyn"
exec 3<>"$D/g/rw"
echo abc >&3
exec 3>&-
cat "$D/g/rw"
diff <(ls "$D/g") <(ls -A "$D/g"); echo "diff: $?"
mapfile -t lines < <(printf '1\n2\n3\n')
printf '%s\n' "${lines[@]}" > "$D/g/m"
echo "$(<"$D/g/m")" | tr '\n' ,; echo
while read -r l; do echo "got $l"; done < "$D/g/m"
touch -d 2000-01-01 "$D/g/old"
touch -d 2010-01-01 "$D/g/new"
[[ $D/g/new -nt $D/g/old ]] && echo newer
echo appended >> "$D/g/old"
[[ $D/g/old -nt $D/g/new ]] && echo "old is newer after a write"
(cd "$D/g" && echo *)
echo "$(( $(wc -l < "$D/g/m") * 2 ))"
bash -c "echo sub > '$D/g/sub'"; cat "$D/g/sub"
{ echo a; echo b; } > "$D/g/grp"; cat "$D/g/grp"
(umask 077; echo s > "$D/g/secret"); stat -c '%n %a' "$D/g/secret" | sed "s|$D|\$D|"
ls -la --time-style=+@ "$D/g" | sed -e '/^total /d' -e 's/ @ / /'
shopt -s globstar
mkdir -p "$D/g/x/y/z" && touch "$D/g/x/y/z/deep.txt"
for f in "$D"/g/**/*.txt; do echo "${f#$D/}"; done
cd "$D/g" && for f in ./**/; do echo "$f"; done
echo "$PWD" | sed "s|$D|\$D|"
rm -rf "$D/g"; [[ -e $D/g ]] || echo removed
