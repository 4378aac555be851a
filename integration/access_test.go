package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zvfs/zvfs/preload"
)

// TestOutsiderKeptOut: while root runs a program with a secret in a mem or
// overlay mount, another user who knows everything but the run's key — the socket
// path (from /tmp or /proc/net/unix), the world-readable stub, the mount's
// path — loads the stub into their own program and tries to read and list
// the mount, and to write into it. The supervisor serves none of it. The
// same attack with the run's key does reach the mount, which shows the
// attack is real and only the key keeps it out.
func TestOutsiderKeptOut(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "root, to run programs as another user")
	}
	requireHook(t)
	need(t, "setpriv", "sh", "cat", "ls")
	lower := hostDir(t, "zvfs-outsider-lower-")
	for _, spec := range []string{"mem:/zsec", "overlay:/zsec=" + lower} {
		t.Run(spec[:strings.IndexByte(spec, ':')], func(t *testing.T) { outsider(t, spec) })
	}
	if ents, _ := os.ReadDir(lower); len(ents) != 0 {
		t.Errorf("the overlay's lower directory was written: %v", ents)
	}
}

func outsider(t *testing.T, spec string) {
	shared := hostDir(t, "zvfs-outsider-")
	stub := filepath.Join(shared, "libzvfs.so")
	if err := os.WriteFile(stub, preload.Library(), 0o644); err != nil {
		t.Fatal(err)
	}
	sockFile, done := filepath.Join(shared, "sock"), filepath.Join(shared, "done")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script := `umask 022; echo top-secret > /zsec/secret; echo "$ZVFS_SOCK" > ` + sockFile + `.tmp; mv ` + sockFile + `.tmp ` + sockFile + `
while [ ! -e ` + done + ` ]; do sleep 0.05; done; ls /zsec`
	cmd := exec.CommandContext(ctx, zvfsBin, "--mount", spec, "--", "sh", "-c", script)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		os.WriteFile(done, nil, 0o644)
		cmd.Wait()
	}()
	var sockEnv string
	for sockEnv == "" && ctx.Err() == nil {
		if b, err := os.ReadFile(sockFile); err == nil {
			sockEnv = strings.TrimSpace(string(b))
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	at := strings.IndexByte(sockEnv, '@')
	if at < 0 {
		t.Fatalf("ZVFS_SOCK %q has no key; run output:\n%s", sockEnv, out.String())
	}
	path := sockEnv[at+1:]

	attack := func(sock string) string {
		c := exec.CommandContext(ctx, nobody[0], append(nobody[1:], "sh", "-c",
			"cat /zsec/secret; ls /zsec; echo planted > /zsec/planted")...)
		c.Env = append(os.Environ(), "LD_PRELOAD="+stub, "ZVFS_LIB="+stub, "ZVFS_SOCK="+sock, "ZVFS_MOUNTS=/zsec")
		b, _ := c.CombinedOutput()
		return string(b)
	}
	flipped := "0"
	if sockEnv[at-1] == '0' {
		flipped = "1"
	}
	for _, sock := range []string{path, strings.Repeat("0", at) + "@" + path, sockEnv[:at-1] + flipped + "@" + path} {
		if got := attack(sock); strings.Contains(got, "top-secret") || strings.Contains(got, "secret\n") {
			t.Errorf("an outsider with ZVFS_SOCK=%q read the mount:\n%s", sock, got)
		}
	}
	// The control: the same user and program with the run's key get in
	// (as the mount's files allow: the secret is 0644, the mount's root
	// is root's 0755, so no planting).
	if got := attack(sockEnv); !strings.Contains(got, "top-secret") {
		t.Fatalf("the attack with the run's key did not reach the mount either, so the test shows nothing:\n%s", got)
	}
	os.WriteFile(done, nil, 0o644)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if got := out.String(); got != "secret\n" {
		t.Errorf("the run's own listing of /zsec = %q, want only its secret (nothing planted)", got)
	}
}

// TestUserOwnsMount: a mem mount made by an ordinary user is theirs, as a
// tmpfs mounted for them would be; uid=, gid= and mode= choose otherwise,
// with the kernel's permission rules for the user then.
func TestUserOwnsMount(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "root, to run zvfs as another user")
	}
	requireHook(t)
	zvfs := userZvfs(t, userBin(t))
	script := `echo x > /data/f && cat /data/f; stat -c '%u:%g %a' /data; mkdir /data/d 2>/dev/null && echo mkdir ok || echo mkdir refused`
	for _, tc := range []struct{ spec, want string }{
		{"mem:/data", "x\n65534:65534 755\nmkdir ok\n"},
		{"mem:/data,uid=0,gid=0,mode=1777", "x\n0:0 1777\nmkdir ok\n"},
		{"mem:/data,uid=0,gid=0", "0:0 755\nmkdir refused\n"},
	} {
		r := run(t, "/", []string{"HOME=/nonexistent", "XDG_CACHE_HOME="}, append(append([]string{}, nobody...),
			zvfs, "--mount", tc.spec, "--", "sh", "-c", script)...)
		if r.stdout != tc.want {
			t.Errorf("as nobody, %s: %q, want %q\nstderr: %s", tc.spec, r.stdout, tc.want, r.stderr)
		}
	}
}
