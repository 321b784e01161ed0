//go:build linux

package sharetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind is a file system of the test bed.
type Kind string

// The file systems of the test bed.
const (
	NTFS Kind = "ntfs"
	FAT  Kind = "fat"
	SMB  Kind = "smb"
)

// Kinds lists every file system the suites run on.
var Kinds = []Kind{NTFS, FAT, SMB}

func (k Kind) String() string { return string(k) }

// Mount is a fresh, empty directory on a mounted file system.
type Mount struct {
	Kind Kind
	// Dir is where the test puts its postoffices: through the FUSE
	// client, as porepair sees the share.
	Dir string
	// Local is, for SMB, the same directory as the server sees it (what
	// the server's own administrator would mount); "" otherwise.
	Local string
	// Server is the SMB server behind the mount; nil for NTFS and FAT.
	Server *Server
}

// packages names the Debian package of each tool the test bed runs.
var packages = map[string]string{
	"mkntfs":     "ntfs-3g",
	"ntfs-3g":    "ntfs-3g",
	"mkfs.vfat":  "dosfstools",
	"fusefat":    "fusefat",
	"smbd":       "samba",
	"smbnetfs":   "smbnetfs",
	"fusermount": "fuse3",
	"unshare":    "util-linux",
	"nsenter":    "util-linux",
	"ip":         "iproute2",
}

// tools lists what each kind runs; holdTools what HoldOpen runs.
var tools = map[Kind][]string{
	NTFS: {"mkntfs", "ntfs-3g", "fusermount"},
	FAT:  {"mkfs.vfat", "fusefat", "fusermount"},
	SMB:  {"smbd", "smbnetfs", "fusermount", "unshare", "nsenter", "ip"},
}

// Need skips the test when the machine cannot run the test bed at all (no
// root, no /dev/fuse, not Linux), and installs the tools kind k needs where
// it can; a tool that cannot be had fails the test.
func Need(t testing.TB, k Kind) {
	t.Helper()
	if why := missingPrerequisite(); why != "" {
		report(fmt.Sprintf("%s: skipped: %s", k, why))
		t.Skipf("real-share suite (%s) did not run: %s", k, why)
	}
	var need []string
	for _, tool := range tools[k] {
		if _, err := exec.LookPath(tool); err != nil {
			need = append(need, packages[tool])
		}
	}
	if len(need) > 0 {
		if err := Install(need...); err != nil {
			t.Fatalf("real-share suite (%s): %v", k, err)
		}
	}
	report(fmt.Sprintf("%s: ran", k))
}

func missingPrerequisite() string {
	if runtime.GOOS != "linux" {
		return "the test bed runs on Linux only"
	}
	if os.Geteuid() != 0 {
		return "not root (mounting images and starting smbd need root)"
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return "no /dev/fuse (the FUSE clients need it)"
	}
	return ""
}

var reportMu sync.Mutex

// report appends a line to the file POREPAIR_SHARES_REPORT names, once per
// line per process.
func report(line string) {
	path := os.Getenv("POREPAIR_SHARES_REPORT")
	if path == "" {
		return
	}
	reportMu.Lock()
	defer reportMu.Unlock()
	if reported[line] {
		return
	}
	reported[line] = true
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

var reported = map[string]bool{}

// New mounts a fresh file system of kind k (an SMB share on a server of
// its own) and returns an empty directory on it.
func New(t testing.TB, k Kind) *Mount {
	t.Helper()
	return NewSized(t, k, 0)
}

// NewSized is New with an image of size bytes (0: the default), for tests
// that need a nearly full disk. An SMB share lives on the local disk.
func NewSized(t testing.TB, k Kind, size int64) *Mount {
	t.Helper()
	Need(t, k)
	Sweep()
	switch k {
	case NTFS, FAT:
		return mountImage(t, k, size)
	case SMB:
		return StartSamba(t).Client(t)
	}
	t.Fatalf("sharetest: unknown file system %q", k)
	return nil
}

// prefix starts every directory the test bed makes, so that Sweep knows
// them; the pid tells a live run's from a dead one's.
func prefix() string { return fmt.Sprintf("porepair-share-%d-", os.Getpid()) }

// workDir makes a directory of the test bed's, removed at cleanup (after
// the unmounts, which cleanups run before it).
func workDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix())
	if err != nil {
		t.Fatalf("sharetest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

const defaultImage = 96 << 20

func mountImage(t testing.TB, k Kind, size int64) *Mount {
	t.Helper()
	if size == 0 {
		size = defaultImage
	}
	dir := workDir(t)
	img, mnt := filepath.Join(dir, "fs.img"), filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, size); err != nil {
		t.Fatal(err)
	}
	var mkfs, mount []string
	switch k {
	case NTFS:
		mkfs = []string{"mkntfs", "-q", "-F", "-f", img}
		mount = []string{"ntfs-3g", img, mnt}
	case FAT:
		mkfs = []string{"mkfs.vfat", "-F", "16", img}
		mount = []string{"fusefat", "-o", "rw+", img, mnt}
	}
	run(t, mkfs...)
	run(t, mount...)
	t.Cleanup(func() { unmount(t, mnt) })
	waitMounted(t, mnt)
	return &Mount{Kind: k, Dir: subdir(t, mnt)}
}

// subdir makes a fresh directory below the mount's root and returns it.
func subdir(t testing.TB, root string) string {
	t.Helper()
	dir, err := os.MkdirTemp(root, "t")
	if err != nil {
		t.Fatalf("sharetest: make a directory on %s: %v", root, err)
	}
	return dir
}

// run runs a command of the test bed; a failure fails the test with its
// output.
func run(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("sharetest: %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// waitMounted waits until mnt is a mount point in /proc/mounts.
func waitMounted(t testing.TB, mnt string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !mounted(mnt) {
		if time.Now().After(deadline) {
			t.Fatalf("sharetest: %s did not appear in /proc/mounts", mnt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mounted(mnt string) bool {
	for _, m := range mountPoints() {
		if m == mnt {
			return true
		}
	}
	return false
}

// mountPoints lists /proc/mounts' mount points (octal escapes undone).
func mountPoints() []string {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return nil
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			points = append(points, unescape(f[1]))
		}
	}
	return points
}

func unescape(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// unmount unmounts mnt, waiting out a client that is still busy, and at
// last detaches it lazily so that no mount outlives the test.
func unmount(t testing.TB, mnt string) {
	var out []byte
	for i := 0; i < 50 && mounted(mnt); i++ {
		var err error
		if out, err = exec.Command("fusermount", "-u", mnt).CombinedOutput(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if mounted(mnt) {
		exec.Command("fusermount", "-u", "-z", mnt).Run()
		t.Errorf("sharetest: %s stayed busy; detached lazily: %s", mnt, bytes.TrimSpace(out))
	}
}

// Sweep unmounts what a killed earlier run left: mounts below a test-bed
// directory whose process is gone, and the smbd it started.
func Sweep() {
	sweepOnce.Do(sweep)
}

var sweepOnce sync.Once

func sweep() {
	tmp := os.TempDir()
	for _, m := range mountPoints() {
		rel, err := filepath.Rel(tmp, m)
		if err != nil || !strings.HasPrefix(rel, "porepair-share-") {
			continue
		}
		if pidAlive(ownerPID(rel)) {
			continue
		}
		if exec.Command("fusermount", "-u", m).Run() != nil {
			exec.Command("fusermount", "-u", "-z", m).Run()
		}
	}
	matches, _ := filepath.Glob(filepath.Join(tmp, "porepair-share-*", "smb", "pid", "smbd.pid"))
	for _, pidfile := range matches {
		rel, _ := filepath.Rel(tmp, pidfile)
		if pidAlive(ownerPID(rel)) {
			continue
		}
		var pid int
		if b, err := os.ReadFile(pidfile); err == nil && func() bool { _, err := fmt.Sscan(string(b), &pid); return err == nil }() && pid > 1 {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
		}
	}
}

// ownerPID reads the pid out of a path relative to the temp directory
// that starts with a test-bed directory's name.
func ownerPID(rel string) int {
	var pid int
	name := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
	fmt.Sscanf(strings.TrimPrefix(name, "porepair-share-"), "%d-", &pid)
	return pid
}

func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return !errors.Is(err, os.ErrNotExist)
}
