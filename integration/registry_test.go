package integration

// Snapshots through OCI registries, against a real registry server:
// Debian's docker-registry (distribution 2.8), started by each test on a
// free port with its storage in a temporary directory, and stopped after.

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// registryServer is a running docker-registry.
type registryServer struct {
	host    string // 127.0.0.1:PORT
	config  string
	cmd     *exec.Cmd
	stopped bool
}

// startRegistry starts a registry; with htpasswd set ("user:bcrypt
// hash" lines), it asks for basic auth.
func startRegistry(t *testing.T, htpasswd string) *registryServer {
	t.Helper()
	need(t, "docker-registry")
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	auth := ""
	if htpasswd != "" {
		pw := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(pw, []byte(htpasswd), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: test\n    path: %s\n", pw)
	}
	config := filepath.Join(dir, "config.yml")
	yml := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n%s",
		filepath.Join(dir, "data"), host, auth)
	if err := os.WriteFile(config, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &registryServer{host: host, config: config}
	s.start(t)
	t.Cleanup(s.stop)
	return s
}

// start runs the server and waits until it answers.
func (s *registryServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command("docker-registry", "serve", s.config)
	// Its log (an error line for every 404 and 401) goes to a file, shown
	// if it does not start.
	logFile, err := os.OpenFile(s.config+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.stopped = false
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + s.host + "/v2/")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			s.stop()
			log, _ := os.ReadFile(s.config + ".log")
			t.Fatalf("docker-registry on %s did not answer in 20 s: %v\n%s", s.host, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *registryServer) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

func (s *registryServer) ref(repo string) string { return "oci://" + s.host + "/" + repo }

// registryEnv is the environment of a zvfs run that talks to registries:
// its own layer cache and docker configuration (none, unless written).
func registryEnv(t *testing.T) (env []string, cache string) {
	cache, docker := t.TempDir(), t.TempDir()
	return []string{"XDG_CACHE_HOME=" + cache, "DOCKER_CONFIG=" + docker}, cache
}

var pushedLine = regexp.MustCompile(`pushed the changes of (\S+) to (\S+): layer (sha256:[0-9a-f]{64}), (\d+) bytes, manifest (sha256:[0-9a-f]{64})`)

// TestRegistryBuild: the hermetic build pushed from one run and stacked,
// in a fresh run with an empty cache, from the registry: make says up to
// date and the program runs; the project tree is never written; two
// identical runs with SOURCE_DATE_EPOCH push the same layer; zvfs diff
// reads the image; a second run with the cache warm downloads nothing.
func TestRegistryBuild(t *testing.T) {
	requireHook(t)
	need(t, "make", "gcc")
	reg := startRegistry(t, "")
	proj, out := t.TempDir(), t.TempDir()
	cProject(t, proj, 10)
	// SOURCE_DATE_EPOCH clamps the outputs' mtimes; sources no newer than
	// it (as a reproducible checkout has) keep make's view of the tree.
	if err := exec.Command("sh", "-c", "find "+proj+" -exec touch -h -d @1600000000 {} +").Run(); err != nil {
		t.Fatal(err)
	}
	before := treeState(t, proj)

	var layers, manifests []string
	for i, tag := range []string{"main", "again"} {
		env, _ := registryEnv(t)
		r := run(t, out, append(env, "SOURCE_DATE_EPOCH=1700000000"), zvfsBin, "--mount", "overlay:/src="+proj,
			"--snapshot", reg.ref("team/build:"+tag), "--", "make", "-s", "-C", "/src", "-j2")
		m := pushedLine.FindStringSubmatch(r.stderr)
		if r.code != 0 || m == nil {
			t.Fatalf("build %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
		layers, manifests = append(layers, m[3]), append(manifests, m[5])
	}
	if layers[0] != layers[1] {
		t.Errorf("two identical runs pushed different layers: %v", layers)
	}
	if after := treeState(t, proj); after != before {
		t.Fatalf("the project tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	env, cache := registryEnv(t)
	stacked := "overlay:/src=" + proj + ",layers=" + reg.ref("team/build:main")
	r := run(t, out, env, zvfsBin, "--mount", stacked, "--", "sh", "-c", "/src/prog && make -C /src")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "units 10 sum 45\n") || !strings.Contains(r.stdout, "is up to date") {
		t.Fatalf("stacked run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	blob := filepath.Join(cache, "zvfs", "blobs", "sha256", strings.TrimPrefix(layers[0], "sha256:"))
	fi, err := os.Stat(blob)
	if err != nil {
		t.Fatalf("the layer is not in the cache: %v", err)
	}
	// Warm, by digest: the cache answers; the registry is not needed.
	reg.stop()
	r = run(t, out, env, zvfsBin, "--mount", "overlay:/src="+proj+",layers="+reg.ref("team/build@"+manifests[0]), "--", "/src/prog")
	if r.code != 0 || r.stdout != "units 10 sum 45\n" {
		t.Errorf("warm run by digest, registry stopped: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, out, env, zvfsBin, "--mount", "overlay:/src="+proj+",layers="+reg.ref("team/build@"), "--", "true")
	if r.code != 2 {
		t.Errorf("a malformed reference: exit %d, want 2\n%s", r.code, r.stderr)
	}
	reg.start(t)
	// Warm, by tag: the registry says what the tag is; the blob is used as
	// it is.
	r = run(t, out, env, zvfsBin, "--mount", stacked, "--", "/src/prog")
	if fi2, err := os.Stat(blob); r.code != 0 || err != nil || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Errorf("warm run: exit %d, blob %v (fetched again?)\n%s", r.code, err, r.stderr)
	}

	// zvfs diff and tar: read the image.
	r = run(t, out, env, zvfsBin, "diff", reg.ref("team/build:main"))
	if r.code != 0 || !strings.Contains(r.stdout, "A /prog\n") {
		t.Errorf("zvfs diff: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, out, env, zvfsBin, "--mount", "tar:/ref="+reg.ref("team/build:main"), "--", "/ref/prog")
	if r.code != 0 || r.stdout != "units 10 sum 45\n" {
		t.Errorf("tar mount of the image: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A corrupted blob in the cache is refused and fetched again.
	if err := os.WriteFile(blob, []byte("not a layer"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, out, env, zvfsBin, "--mount", stacked, "--", "/src/prog")
	if r.code != 0 || !strings.Contains(r.stderr, "does not match its digest") {
		t.Errorf("corrupt cache: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestRegistryErrors: what can be found before the program runs is one
// line, exit 2, nothing run: an unreachable registry, a missing tag, a
// push the credentials do not allow. A push that fails at exit keeps the
// layer in a local file, says where, and zvfs push sends it later.
func TestRegistryErrors(t *testing.T) {
	requireHook(t)
	need(t, "htpasswd")
	proj, out := t.TempDir(), t.TempDir()
	lowerTree(t, proj)
	marker := filepath.Join(out, "ran")
	prog := []string{"--", "sh", "-c", "echo new > /src/new.txt; touch " + marker}

	reg := startRegistry(t, "")
	env, _ := registryEnv(t)
	dead := "oci://127.0.0.1:1/x:y"
	for _, args := range [][]string{
		{"--mount", "overlay:/src=" + proj, "--snapshot", dead},
		{"--mount", "overlay:/src=" + proj + ",layers=" + dead},
		{"--mount", "overlay:/src=" + proj + ",layers=" + reg.ref("team/none:nope")},
		{"--mount", "tar:/t=" + reg.ref("team/none:nope")},
		{"--mount", "overlay:/src=" + proj, "--snapshot", "oci://no slash"},
	} {
		r := run(t, out, env, append(append([]string{zvfsBin}, args...), prog...)...)
		if r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, want 2 with one line\n%s", args, r.code, r.stderr)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%v: the program ran", args)
		}
	}

	// Basic auth: wrong credentials are found before the run.
	hash, err := exec.Command("htpasswd", "-Bbn", "ci", "right").Output()
	if err != nil {
		t.Fatal(err)
	}
	authReg := startRegistry(t, string(hash))
	docker := strings.TrimPrefix(env[1], "DOCKER_CONFIG=")
	writeAuth := func(pass string) {
		cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, authReg.host, base64.StdEncoding.EncodeToString([]byte("ci:"+pass)))
		if err := os.WriteFile(filepath.Join(docker, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeAuth("wrong")
	r := run(t, out, env, append([]string{zvfsBin, "--mount", "overlay:/src=" + proj, "--snapshot", authReg.ref("team/build:main")}, prog...)...)
	if r.code != 2 || !strings.Contains(r.stderr, "denied") {
		t.Errorf("wrong credentials: exit %d\n%s", r.code, r.stderr)
	}
	writeAuth("right")

	// The registry goes away while the program runs: the push at exit
	// fails, the layer stays in a file, and zvfs push sends it once the
	// registry is back.
	fifo, started := filepath.Join(out, "go"), filepath.Join(out, "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zvfsBin, "--mount", "overlay:/src="+proj, "--snapshot", authReg.ref("team/build:main"), "--",
		"sh", "-c", "echo new > /src/new.txt; touch "+started+"; cat "+fifo)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			select {
			case err := <-exited:
				t.Fatalf("zvfs exited (%v) while waiting for %s\n%s", err, what, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("the program to start", func() bool { _, err := os.Stat(started); return err == nil })
	authReg.stop()
	waitFor("the program to read the fifo", func() bool { // no reader yet: ENXIO
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			f.Close()
		}
		return err == nil
	})
	err = <-exited
	m := regexp.MustCompile(`kept in (\S+) \(zvfs push`).FindStringSubmatch(stderr.String())
	if err == nil || m == nil || strings.Count(stderr.String(), "\n") != 1 {
		t.Fatalf("push to a registry gone at exit: %v\n%s", err, stderr.String())
	}
	kept := m[1]
	t.Cleanup(func() { os.Remove(kept) })
	authReg.start(t)
	r = run(t, out, env, zvfsBin, "push", kept, authReg.ref("team/build:main"))
	if r.code != 0 {
		t.Fatalf("zvfs push of the kept layer: exit %d\n%s", r.code, r.stderr)
	}
	fresh, _ := registryEnv(t)
	fresh[1] = env[1] // the credentials
	r = run(t, out, fresh, zvfsBin, "--mount", "overlay:/src="+proj+",layers="+authReg.ref("team/build:main"), "--", "cat", "/src/new.txt")
	if r.code != 0 || r.stdout != "new\n" {
		t.Errorf("stacked on the late push: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestRegistryAsUser: an ordinary user pushes and stacks.
func TestRegistryAsUser(t *testing.T) {
	requireRoot(t)
	need(t, "setpriv")
	reg := startRegistry(t, "")
	zvfs := userZvfs(t, userBin(t))
	proj := hostDir(t, "zvfs-reg-proj-")
	lowerTree(t, proj)
	home := hostDir(t, "zvfs-reg-home-")
	for _, d := range []string{proj, home} {
		if err := os.Chown(d, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=", "DOCKER_CONFIG="}
	r := run(t, "/", env, append(append([]string{}, nobody...), zvfs, "--mount", "overlay:/src="+proj,
		"--snapshot", reg.ref("u/build:1"), "--", "sh", "-c", "echo mine > /src/mine.txt")...)
	if r.code != 0 || !pushedLine.MatchString(r.stderr) {
		t.Fatalf("push as nobody: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, "/", env, append(append([]string{}, nobody...), zvfs, "--mount",
		"overlay:/src="+proj+",layers="+reg.ref("u/build:1"), "--", "cat", "/src/mine.txt")...)
	if r.code != 0 || r.stdout != "mine\n" {
		t.Fatalf("stack as nobody: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(home, ".cache", "zvfs", "blobs", "sha256")); err != nil {
		t.Errorf("no cache in the user's home: %v", err)
	}
}
