package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealPrograms runs everyday programs natively and under zvfs and
// requires the same output and exit status.
func TestRealPrograms(t *testing.T) {
	requireHook(t)
	cases := []struct {
		name  string
		tools []string
		argv  []string
	}{
		{"true", nil, []string{"/bin/true"}},
		{"false", nil, []string{"/bin/false"}},
		{"ls", []string{"ls"}, []string{"sh", "-c", "mkdir d && touch -d 2020-01-01 d/a d/b d && ls -la --time-style=+%Y d | awk '{print $1, $6, $7}'"}},
		{"bash script", []string{"bash"}, []string{"bash", "-c", `declare -A m=([a]=1 [b]=2); for k in "${!m[@]}"; do echo "$k=${m[$k]}"; done | sort; printf '%05d\n' 42; [[ abc =~ b(c) ]] && echo "${BASH_REMATCH[1]}"`}},
		{"python3", []string{"python3"}, []string{"python3", "-c", `
import threading, subprocess, multiprocessing, os, json
def sq(x): return x * x
out = []
ts = [threading.Thread(target=lambda i=i: out.append(sum(range(i * 1000)))) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sorted(out)[-1])
print(subprocess.run(["sh", "-c", "echo sub; exit 3"], capture_output=True, text=True).stdout.strip())
with multiprocessing.get_context("fork").Pool(2) as p:
    print(p.map(sq, range(6)))
with open("f.json", "w") as f: json.dump({"a": [1, 2]}, f)
print(json.load(open("f.json")))
`}},
		{"perl", []string{"perl"}, []string{"perl", "-e", `my %h = map { $_ => $_ ** 2 } 1..5; print join(",", map { "$_=$h{$_}" } sort keys %h), "\n"; open(my $f, ">", "x") or die; print $f "data\n"; close $f; print -s "x", "\n"; print qx(echo backtick);`}},
		{"tar", []string{"tar"}, []string{"sh", "-c", "mkdir -p src/sub && echo one > src/a && echo two > src/sub/b && tar cf t.tar src && mkdir out && tar xf t.tar -C out && tar tf t.tar | sort && cat out/src/sub/b"}},
		{"gcc", []string{"gcc"}, []string{"sh", "-c", `printf '#include <stdio.h>\nint main(void){printf("%%d\\n", 6*7); return 3;}\n' > m.c && gcc -O2 -o m m.c && ./m`}},
		{"make", []string{"make", "gcc"}, []string{"sh", "-c", `printf 'all: prog\n\t./prog\nprog: a.o b.o\n\t$(CC) -o $@ a.o b.o\n%%.o: %%.c\n\t$(CC) -c -o $@ $<\n' > Makefile && printf 'int f(void);\nint main(void){return f() - 42;}\n' > a.c && printf 'int f(void){return 42;}\n' > b.c && make -s -j2 && echo built`}},
		{"sqlite3", []string{"sqlite3"}, []string{"sh", "-c", `sqlite3 t.db 'create table t(a, b); insert into t values (1, "one"), (2, "two"); create index i on t(b);' && sqlite3 t.db 'select a, b from t order by a desc; pragma integrity_check;'`}},
		{"coreutils", []string{"find", "sort", "sed", "dd", "cp"}, []string{"sh", "-c", `mkdir -p a/b && printf '3\n1\n2\n' > a/b/n && sort -o a/b/n a/b/n && sed -i 's/2/two/' a/b/n && cp -a a c && dd if=/dev/zero of=c/z bs=4096 count=3 2>/dev/null && find c -printf '%P %y %s\n' | sort && cat c/b/n && du -s --apparent-size -B1 c/z`}},
		{"git", []string{"git"}, []string{"sh", "-c", `git init -q r && cd r && echo hello > f && git add f && git -c user.name=t -c user.email=t@e commit -qm first && git log --format=%s && git status --short | wc -l`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			need(t, c.tools...)
			same(t, c.argv...)
		})
	}
}

func TestSitesCommand(t *testing.T) {
	libc := "/lib/x86_64-linux-gnu/libc.so.6"
	if _, err := os.Stat(libc); err != nil {
		missing(t, "%s", libc)
	}
	r := run(t, t.TempDir(), nil, zvfsBin, "sites", libc)
	if r.code != 0 || !strings.Contains(r.stdout, "patch") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, t.TempDir(), nil, zvfsBin, "sites", filepath.Join(t.TempDir(), "missing"))
	if r.code == 0 || r.stderr == "" {
		t.Errorf("sites of a missing file: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestDoctor(t *testing.T) {
	requireHook(t)
	r := run(t, t.TempDir(), nil, zvfsBin, "doctor")
	if !strings.Contains(r.stdout, "address 0 can be mapped") {
		t.Fatalf("doctor output:\n%s", r.stdout)
	}
	if inCI() && r.code != 0 {
		t.Errorf("doctor fails in CI:\n%s", r.stdout)
	}
}

// TestUnwritableCache: without a usable cache directory zvfs still runs and
// hooks (the stub goes to the temp directory, sites are rewritten in place).
func TestUnwritableCache(t *testing.T) {
	requireHook(t)
	r := run(t, t.TempDir(), []string{"XDG_CACHE_HOME=/dev/null/zvfs", "HOME=/dev/null"},
		zvfsBin, "stats", "--", cprog(t, "getppid_loop"), "1000")
	if r.code != 0 || !strings.Contains(r.stderr, "1000  getppid") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestSharedCopies: the rewritten text of libc is mapped from the shared
// copy in the cache, not rewritten in each process.
func TestSharedCopies(t *testing.T) {
	requireHook(t)
	cache := t.TempDir()
	r := run(t, t.TempDir(), []string{"XDG_CACHE_HOME=" + cache}, zvfsBin, "--", "cat", "/proc/self/maps")
	if r.code != 0 || !strings.Contains(r.stdout, cache+"/zvfs/patched/") {
		t.Errorf("no mapping from %s/zvfs/patched in:\n%s", cache, r.stdout)
	}
}

func TestStatsOutput(t *testing.T) {
	requireHook(t)
	st, r := stats(t, t.TempDir(), "bash", "-c", "ls / | wc -l")
	if r.code != 0 || st.Processes < 3 || st.Total == 0 {
		t.Fatalf("stats %+v, exit %d, stderr %s", st, r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "system calls in") || !strings.Contains(r.stderr, "execve") {
		t.Errorf("stats table missing from stderr:\n%s", r.stderr)
	}
	var sum uint64
	for _, n := range st.Syscalls {
		sum += n
	}
	if sum != st.Total {
		t.Errorf("total %d but counts add up to %d", st.Total, sum)
	}
}

// TestStaticProgram: a statically linked program cannot take the stub; it
// runs as without zvfs, and stats says why nothing was counted.
func TestStaticProgram(t *testing.T) {
	requireHook(t)
	need(t, "go")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"static ok\") }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module static\n\ngo 1.26\n"), 0o644)
	bin := filepath.Join(dir, "static")
	if r := run(t, dir, []string{"CGO_ENABLED=0"}, "go", "build", "-o", bin, "."); r.code != 0 {
		t.Fatalf("go build: %s", r.stderr)
	}
	r := run(t, dir, nil, zvfsBin, "stats", "--", bin)
	if r.code != 0 || r.stdout != "static ok\n" || !strings.Contains(r.stderr, "statically linked") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestVerbose: --verbose lists the files patched and the mappings left alone.
func TestVerbose(t *testing.T) {
	requireHook(t)
	r := run(t, t.TempDir(), nil, zvfsBin, "stats", "--verbose", "--", "/bin/true")
	for _, want := range []string{"libc.so.6", "ld-linux-x86-64.so.2", "vDSO", "left unpatched"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("verbose output lacks %q:\n%s", want, r.stderr)
		}
	}
}
