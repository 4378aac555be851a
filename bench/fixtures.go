// fixtures.go: what the jobs start from — the C programs (embedded
// sources, compiled at run time with gcc), the C project of the build, the
// tar archive and the git repository — all written in the scratch
// directory once per run.

package bench

import (
	"archive/tar"
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed c/*.c
var csrc embed.FS

// Fixture sizes.
const (
	buildUnits = 30
	tarFiles   = 5000
	gitFiles   = 2000
)

// compile builds c/NAME.c once into the scratch directory.
func (s *suite) compile(name string) error {
	if _, ok := s.bins[name]; ok {
		return nil
	}
	src, err := csrc.ReadFile("c/" + name + ".c")
	if err != nil {
		return err
	}
	dir := filepath.Join(s.work, "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	c, bin := filepath.Join(dir, name+".c"), filepath.Join(dir, name)
	if err := os.WriteFile(c, src, 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("gcc", "-O2", "-o", bin, c).CombinedOutput(); err != nil {
		return fmt.Errorf("gcc %s: %v: %s", name, err, firstLine(out))
	}
	s.bins[name] = bin
	return nil
}

// emptySeed compiles prog; the job starts from an empty tree.
func (s *suite) emptySeed(prog string) func() (string, error) {
	return func() (string, error) { return s.seedFor(prog, "empty") }
}

// seedFor compiles prog and makes the seed directory name.
func (s *suite) seedFor(prog, name string) (string, error) {
	if err := s.compile(prog); err != nil {
		return "", err
	}
	return s.seedDir(name)
}

// programSeed is a tree holding a copy of /bin/true, as a program a build
// made and then runs.
func (s *suite) programSeed() (string, error) {
	d, err := s.seedFor("spawn_loop", "program")
	if err != nil {
		return "", err
	}
	prog, err := os.ReadFile("/bin/true")
	if err != nil {
		return "", err
	}
	return d, os.WriteFile(filepath.Join(d, "true"), prog, 0o755)
}

// seedDir is the scratch directory's seed-NAME.
func (s *suite) seedDir(name string) (string, error) {
	d := filepath.Join(s.work, "seed-"+name)
	return d, os.MkdirAll(d, 0o755)
}

// writeFiles writes path → content under dir.
func writeFiles(dir string, files map[string]string) error {
	for p, c := range files {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// buildSeed writes the C project: units that each include two levels of a
// header tree and register themselves, a main that counts them, and a
// Makefile whose objects depend on every header.
func (s *suite) buildSeed() (string, error) {
	d, err := s.seedDir("build")
	if err != nil {
		return "", err
	}
	if err := writeFiles(d, cProject(buildUnits)); err != nil {
		return "", err
	}
	return d, s.warmBuild(d)
}

// warmBuild builds a copy of the project once, untimed, so that the first
// contender measured does not pay for a cold compiler.
func (s *suite) warmBuild(seed string) error {
	e := &env{}
	defer e.close()
	d, err := s.copyTree(seed, e)
	if err != nil {
		return err
	}
	_, err = s.output([]string{"make", "-s", "-j2", "-C", d})
	return err
}

// cProject is the build's tree: n units, a header tree, main and Makefile.
func cProject(n int) map[string]string {
	files := map[string]string{
		"include/proj/api.h":         "#ifndef PROJ_API_H\n#define PROJ_API_H\n#include \"proj/conf/limits.h\"\nvoid enroll(int id, long (*fn)(long));\n#endif\n",
		"include/proj/conf/limits.h": "#ifndef PROJ_LIMITS_H\n#define PROJ_LIMITS_H\n#define PROJ_MAX 4096\n#endif\n",
		"include/proj/macros.h":      "#ifndef PROJ_MACROS_H\n#define PROJ_MACROS_H\n#include <string.h>\n#include <stdlib.h>\n#define ENROLL(id, fn) __attribute__((constructor)) static void enroll_##id(void) { enroll(id, fn); }\n#endif\n",
		"main.c": "#include <stdio.h>\n#include \"proj/api.h\"\nstatic int units; static long total;\n" +
			"void enroll(int id, long (*fn)(long)) { units++; total += fn(id); }\n" +
			"int main(void) { printf(\"%d units, total %ld\\n\", units, total); return units > PROJ_MAX; }\n",
		"Makefile": "SRCS := $(sort $(wildcard *.c))\nOBJS := $(SRCS:.c=.o)\nHDRS := $(shell find include -name '*.h')\n" +
			"CFLAGS := -O2 -Wall -Iinclude\n\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n%.o: %.c $(HDRS)\n\t$(CC) $(CFLAGS) -c -o $@ $<\n",
	}
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("unit%02d.c", i)] = fmt.Sprintf("#include \"proj/api.h\"\n#include \"proj/macros.h\"\n"+
			"static long work%d(long x) { char b[64]; memset(b, (int)x, sizeof b); long s = 0; for (int i = 0; i < 64; i++) s += b[i] * %d; return s; }\n"+
			"ENROLL(%d, work%d)\n", i, i+1, i, i)
	}
	return files
}

// archive is the tar job's archive.
func (s *suite) archive() string {
	return filepath.Join(s.work, "files.tar")
}

// tarSeed writes an archive of tarFiles small files in 50 directories; the
// job extracts it into an empty tree.
func (s *suite) tarSeed() (string, error) {
	f, err := os.Create(s.archive())
	if err != nil {
		return "", err
	}
	tw := tar.NewWriter(f)
	for i := 0; i < tarFiles; i++ {
		if i%100 == 0 {
			if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%02d/", i/100), Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
				return "", err
			}
		}
		body := strings.Repeat(fmt.Sprintf("file %d\n", i), 1+i%20)
		hdr := &tar.Header{Name: fmt.Sprintf("d%02d/f%04d.txt", i/100, i), Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return "", err
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return s.seedDir("empty")
}

// gitSeed writes a repository of gitFiles committed files in 20
// directories.
func (s *suite) gitSeed() (string, error) {
	d, err := s.seedFor("spawn_loop", "git")
	if err != nil {
		return "", err
	}
	files := map[string]string{}
	for i := 0; i < gitFiles; i++ {
		files[fmt.Sprintf("pkg%02d/file%04d.go", i/100, i)] = fmt.Sprintf("package pkg%02d\n\nconst C%d = %d\n", i/100, i, i)
	}
	if err := writeFiles(d, files); err != nil {
		return "", err
	}
	for _, a := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"-c", "user.name=zvfs bench", "-c", "user.email=bench@zvfs.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "files"},
	} {
		cmd := exec.Command("git", a...)
		cmd.Dir = d
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("git %s: %v: %s", a[0], err, firstLine(out))
		}
	}
	return d, nil
}
