//go:build linux

package sharetest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/porepair/porepair/internal/sharetest/latency"
	"golang.org/x/sys/unix"
)

// SlowClient is Client over a slow link: the new smbnetfs client reaches
// smbd through a latency proxy (package latency) that adds d to every
// round trip. The proxy listens on an address of its own on the
// namespace's loopback (127.0.0.2, 127.0.0.3, ...: smbd binds 127.0.0.1
// only), port 445, so that libsmbclient needs no port setting; it stops
// with the test, or by itself an hour after it started or ten minutes
// after its last byte.
func (s *Server) SlowClient(t testing.TB, d time.Duration) *Mount {
	t.Helper()
	host := nextProxyHost()
	p := s.startProxy(t, host, d)
	t.Cleanup(func() { p.Close() })
	root := s.mountClient(t, host)
	dir := subdir(t, root)
	rel, _ := filepath.Rel(root, dir)
	return &Mount{Kind: SMB, Dir: dir, Local: filepath.Join(s.Dir, rel), Server: s}
}

var (
	proxyMu   sync.Mutex
	proxyHost = 1
)

// nextProxyHost gives each proxy of the process its own loopback address.
func nextProxyHost() string {
	proxyMu.Lock()
	defer proxyMu.Unlock()
	proxyHost++
	return fmt.Sprintf("127.0.0.%d", proxyHost)
}

// startProxy starts a latency proxy to smbd inside smbd's network
// namespace. A socket belongs to the namespace of the thread that made it,
// so one goroutine, locked to a thread that has joined the namespace,
// makes the listener and dials every server connection; it never unlocks,
// so the Go runtime ends that thread with it rather than reuse a thread
// in the wrong namespace.
func (s *Server) startProxy(t testing.TB, host string, d time.Duration) *latency.Proxy {
	t.Helper()
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", s.pid))
	if err != nil {
		t.Fatalf("sharetest: smbd's network namespace: %v", err)
	}
	defer ns.Close()
	started := make(chan any, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			started <- fmt.Errorf("setns: %v", err)
			return
		}
		ln, err := latency.Listen(host + ":445")
		if err != nil {
			started <- err
			return
		}
		p := latency.New(ln, latency.Config{Target: "127.0.0.1:445", Delay: d})
		started <- p
		p.Run()
	}()
	switch v := (<-started).(type) {
	case *latency.Proxy:
		return v
	default:
		t.Fatalf("sharetest: start the latency proxy on %s:445 in smbd's namespace: %v", host, v)
		return nil
	}
}
