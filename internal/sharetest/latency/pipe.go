package latency

import (
	"net"
	"runtime"
	"time"
)

// chunk is data read from one side, with when it was read.
type chunk struct {
	data []byte
	at   time.Time
}

// queued bounds the chunks in flight per direction: with 64 KiB reads,
// 4 MiB, more than an SMB client keeps outstanding (its credits), so the
// bound never slows a transfer the real link would not.
const queued = 64

// track counts a connection as open, unless the proxy has stopped or
// already has MaxConns connections (a client and its server connection
// count as two).
func (p *Proxy) track(c net.Conn) bool { return p.trackAnd(c, func() {}) }

// trackAnd is track that also runs then under the same lock, so that a
// server goroutine is counted (wg.Add) only while Close has not begun to
// wait for them.
func (p *Proxy) trackAnd(c net.Conn, then func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return false
	default:
	}
	if len(p.conns) >= 2*p.cfg.MaxConns {
		return false
	}
	p.conns[c] = struct{}{}
	p.last = time.Now()
	then()
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// serve forwards between a client and its server connection, each way
// delayed by Delay/2, until either side closes; then both are closed.
func (p *Proxy) serve(c, s net.Conn) {
	defer p.wg.Done()
	half := p.cfg.Delay / 2
	done := make(chan struct{}, 2)
	go func() { p.forward(s, c, half); done <- struct{}{} }()
	go func() { p.forward(c, s, half); done <- struct{}{} }()
	<-done
	p.untrack(c)
	p.untrack(s)
	<-done
}

// forward copies src to dst, each chunk written delay after it was read.
// The reader never waits for the writer (up to queued chunks), so that
// back-to-back chunks arrive back to back, delay late, as on a long link.
func (p *Proxy) forward(dst, src net.Conn, delay time.Duration) {
	ch := make(chan chunk, queued)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				p.touch()
				ch <- chunk{buf[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	for k := range ch {
		waitUntil(k.at.Add(delay))
		if _, err := dst.Write(k.data); err != nil {
			src.Close() // ends the reader, and so the loop below
			break
		}
	}
	// A write that failed leaves the reader to end when serve closes src.
	for range ch {
	}
}

// waitUntil returns at t, to within microseconds. time.Sleep alone wakes
// up to a millisecond late here (the runtime's poller waits in whole
// milliseconds), which made a 1 ms proxy a 2.2 ms one; so it sleeps to
// within 2 ms of t and yields the processor in a loop for the rest.
func waitUntil(t time.Time) {
	if d := time.Until(t) - 2*time.Millisecond; d > 0 {
		time.Sleep(d)
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
}
