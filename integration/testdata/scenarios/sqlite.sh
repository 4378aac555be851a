# need: sqlite3
# sqlite3 creates a database in $D, inserts 100 rows and queries it.
umask 022
sqlite3 "$D/db.sqlite" 'create table t(id integer primary key, v integer, s text);'; echo "create: $?"
i=1
while [ $i -le 100 ]; do echo "insert into t(v, s) values ($i, 'row $i');"; i=$((i + 1)); done | sqlite3 "$D/db.sqlite"; echo "insert: $?"
sqlite3 "$D/db.sqlite" 'select count(*), sum(v), sum(length(s)) from t;'
sqlite3 "$D/db.sqlite" 'pragma integrity_check;'
sqlite3 "$D/db.sqlite" 'begin; update t set v = v * 2 where id % 2 = 0; commit; select sum(v) from t;'
sqlite3 "$D/db.sqlite" 'create index i on t(s); delete from t where id > 90; vacuum; select count(*), max(id) from t;'
sqlite3 "$D/db.sqlite" 'begin; insert into t(v, s) values (0, "rolled back"); rollback; select count(*) from t;'
ls "$D"
stat -c '%n %s %a' "$D/db.sqlite"
sqlite3 "$D/db.sqlite" '.dump' | cksum
sqlite3 "$D/missing/db" 'select 1;'; echo "missing dir: $?"
