//go:build linux

package sharetest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is an smbd the test started, alone in a network namespace of its
// own, so that several can listen on 127.0.0.1:445 at once and none is
// reachable from anywhere else. Its share is Dir on the local disk.
type Server struct {
	// Dir is the share's directory as the server sees it.
	Dir string
	// Share is the share's name.
	Share string
	work  string
	cmd   *exec.Cmd
	pid   int
}

// shareName is the name of the test bed's share.
const shareName = "MAILDATA"

// smbConf is the server's configuration: everything it keeps in the test's
// own directories, guests mapped to root (the tests check owners), only
// SMB2 and later, as a current client speaks.
const smbConf = `[global]
  workgroup = WORKGROUP
  server role = standalone server
  interfaces = 127.0.0.1
  bind interfaces only = yes
  smb ports = 445
  disable netbios = yes
  server min protocol = SMB2
  map to guest = Bad User
  guest account = root
  load printers = no
  printcap name = /dev/null
  pid directory = {{W}}/smb/pid
  lock directory = {{W}}/smb/lock
  state directory = {{W}}/smb/state
  cache directory = {{W}}/smb/cache
  private dir = {{W}}/smb/private
  ncalrpc dir = {{W}}/smb/ncalrpc
  log file = {{W}}/smb/log/%m.log
[` + shareName + `]
  path = {{W}}/share
  read only = no
  guest ok = yes
  force user = root
`

// StartSamba starts an smbd for the test; its cleanup stops it.
func StartSamba(t testing.TB) *Server {
	t.Helper()
	Need(t, SMB)
	Sweep()
	work := workDir(t)
	s := &Server{Dir: filepath.Join(work, "share"), Share: shareName, work: work}
	for _, d := range []string{"share", "smb/pid", "smb/lock", "smb/state", "smb/cache", "smb/private", "smb/ncalrpc", "smb/log"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(work, "smb", "smb.conf")
	if err := os.WriteFile(conf, []byte(strings.ReplaceAll(smbConf, "{{W}}", work)), 0o644); err != nil {
		t.Fatal(err)
	}
	// unshare execs sh, which execs smbd: the pid started is smbd's.
	s.cmd = exec.Command("unshare", "-n", "sh", "-c", `ip link set lo up && exec smbd -F --no-process-group -s "$0"`, conf)
	log, err := os.Create(filepath.Join(work, "smb", "log", "foreground.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	// smbd signals its whole process group when it stops: a group of its
	// own (--no-process-group keeps smbd from making one itself, which it
	// cannot as the leader of this one) keeps the test out of it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("sharetest: start smbd: %v", err)
	}
	s.pid = s.cmd.Process.Pid
	t.Cleanup(s.stop)
	s.waitListening(t)
	return s
}

// waitListening waits until smbd accepts connections in its namespace.
func (s *Server) waitListening(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := exec.Command("nsenter", "-t", fmt.Sprint(s.pid), "-n", "ss", "-Hltn", "sport = :445").Output()
		if strings.Contains(string(out), "445") {
			return
		}
		if s.cmd.ProcessState != nil || time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(s.work, "smb", "log", "foreground.log"))
			t.Fatalf("sharetest: smbd did not start listening on 127.0.0.1:445:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) stop() {
	if s.cmd.Process != nil {
		syscall.Kill(-s.pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-s.pid, syscall.SIGKILL)
			<-done
		}
	}
}

// smbnetfsConf makes every client a guest that never browses the network.
const smbnetfsConf = `auth "guest" ""
smb_query_browsers false
show_hidden_hosts true
`

// clientSMBConf is the client's libsmbclient configuration.
const clientSMBConf = `[global]
  client min protocol = SMB2
`

// Client mounts the share through a new smbnetfs client (a new
// administration host: its own SMB session, locks and caches) and returns
// a fresh directory on the share; Local names it as the server sees it.
// A second Client of the same server and the same test shares that
// directory: use Mount.On to find it through another client.
func (s *Server) Client(t testing.TB) *Mount {
	t.Helper()
	root := s.mountClient(t, "127.0.0.1")
	dir := subdir(t, root)
	rel, _ := filepath.Rel(root, dir)
	return &Mount{Kind: SMB, Dir: dir, Local: filepath.Join(s.Dir, rel), Server: s}
}

// On returns the directory of m (a Mount on this server) as another client
// of the same share sees it.
func (s *Server) On(t testing.TB, m *Mount) *Mount {
	t.Helper()
	root := s.mountClient(t, "127.0.0.1")
	rel, err := filepath.Rel(s.Dir, m.Local)
	if err != nil {
		t.Fatal(err)
	}
	return &Mount{Kind: SMB, Dir: filepath.Join(root, rel), Local: m.Local, Server: s}
}

// mountClient starts smbnetfs in the server's network namespace (the only
// place 127.0.0.1:445 is smbd) and returns the share's root through it,
// reached at host (127.0.0.1, or a latency proxy's address).
func (s *Server) mountClient(t testing.TB, host string) string {
	t.Helper()
	home, err := os.MkdirTemp(s.work, "client")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(home, ".smb")
	mnt := filepath.Join(home, "mnt")
	for _, d := range []string{cfg, mnt} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// smbnetfs refuses a config that others may read (it holds passwords).
	for name, text := range map[string]string{"smbnetfs.conf": smbnetfsConf, "smb.conf": clientSMBConf} {
		if err := os.WriteFile(filepath.Join(cfg, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "nsenter", "-t", fmt.Sprint(s.pid), "-n", "env", "HOME="+home,
		"smbnetfs", mnt, "-o", "config="+filepath.Join(cfg, "smbnetfs.conf")+",log_file="+filepath.Join(home, "smbnetfs.log"))
	t.Cleanup(func() { unmount(t, mnt) })
	waitMounted(t, mnt)
	root := filepath.Join(mnt, host, s.Share)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.ReadDir(root); err == nil {
			return root
		} else if time.Now().After(deadline) {
			t.Fatalf("sharetest: the share never appeared through smbnetfs at %s: %v", root, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// holdScript opens a file of the share with no sharing, as ADMIN, EXTERNAL
// and IMPORT open GLB/FLAG.GLB, says "held", and keeps it open until its
// standard input closes.
const holdScript = `import sys
from impacket.smbconnection import SMBConnection
from impacket.smb3structs import FILE_READ_DATA, FILE_WRITE_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=445)
c.login('guest', '')
tid = c.connectTree(sys.argv[1])
fid = c.openFile(tid, sys.argv[2], desiredAccess=FILE_READ_DATA|FILE_WRITE_DATA, shareMode=0,
                 creationOption=FILE_NON_DIRECTORY_FILE, creationDisposition=FILE_OPEN)
print("held", flush=True)
sys.stdin.read()
c.closeFile(tid, fid)
`

// HoldOpen opens rel (a path relative to the share's root as the server
// sees it, e.g. from Mount.Local) with no sharing through an SMB session
// of its own, and holds it until the returned release is called (or the
// test ends).
func (s *Server) HoldOpen(t testing.TB, local string) (release func()) {
	t.Helper()
	if _, err := os.Stat("/usr/lib/python3/dist-packages/impacket"); err != nil {
		if err := Install("python3-impacket"); err != nil {
			t.Fatalf("real-share suite: %v", err)
		}
	}
	rel, err := filepath.Rel(s.Dir, local)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("sharetest: %s is not on the share %s", local, s.Dir)
	}
	script := filepath.Join(s.work, "hold.py")
	if err := os.WriteFile(script, []byte(holdScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nsenter", "-t", fmt.Sprint(s.pid), "-n", "/usr/bin/python3", script, s.Share, strings.ReplaceAll(rel, "/", `\`))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("sharetest: hold %s open: %v", rel, err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		cmd.Wait()
		t.Fatalf("sharetest: could not hold %s open with no sharing: %s", rel, stderr.String())
	}
	var once bool
	release = func() {
		if once {
			return
		}
		once = true
		stdin.Close()
		go io.Copy(io.Discard, stdout)
		cmd.Wait()
	}
	t.Cleanup(release)
	return release
}
