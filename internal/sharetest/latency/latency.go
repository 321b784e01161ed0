// Package latency is a TCP proxy that makes a loopback link slow, for the
// real-share test bed and the bench: an SMB client that talks to smbd
// through it sees a round trip of the Delay given, as over a WAN link to
// a branch office's file server.
//
// Each chunk read from either side is written to the other Delay/2 after
// it was read, so that one request and its response cost about Delay in
// all, whichever side speaks first, and a stream of chunks keeps its
// throughput (the delay is latency, not a bandwidth cap). The proxy is
// bounded: it listens on loopback addresses only, takes at most MaxConns
// connections at once, and stops by itself once Lifetime has passed or no
// connection has carried anything for Idle, so that one a test or a bench
// forgot to stop never outlives it for long.
package latency

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Config says where a Proxy listens, where it forwards to and how slow it
// makes the link.
type Config struct {
	// Listen is a loopback host:port ("127.0.0.2:445", "127.0.0.1:0").
	Listen string
	// Target is the server's address, dialled once per connection.
	Target string
	// Delay is the round trip the proxy adds: Delay/2 per direction.
	Delay time.Duration
	// MaxConns bounds the connections open at once (0: 16); one more is
	// closed as soon as it is accepted.
	MaxConns int
	// Lifetime is how long the proxy runs at most (0: 1 hour).
	Lifetime time.Duration
	// Idle stops the proxy when no byte has crossed it for this long
	// (0: 10 minutes).
	Idle time.Duration
}

// Proxy is a running latency proxy.
type Proxy struct {
	cfg   Config
	ln    net.Listener
	done  chan struct{}
	stop  sync.Once
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	last  time.Time
	wg    sync.WaitGroup
}

// ErrNotLoopback is returned for a listen address off the loopback
// interface: the proxy forwards to an unauthenticated test server and must
// not be reachable from anywhere else.
var ErrNotLoopback = errors.New("latency: the proxy listens on loopback addresses only")

// Listen checks that addr is a loopback host:port and listens on it; the
// check is by address, before any socket exists, so that a mistaken
// "0.0.0.0" or "" never opens a port.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("latency: %v", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%w: %q", ErrNotLoopback, addr)
	}
	return net.Listen("tcp", addr)
}

// Start listens on cfg.Listen and serves, in a goroutine of its own,
// until Close, the lifetime or the idle timeout.
func Start(cfg Config) (*Proxy, error) {
	ln, err := Listen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	p := New(ln, cfg)
	go p.Run()
	return p, nil
}

// New makes a proxy that serves on ln, which the caller made with Listen,
// once Run is called; cfg.Listen is not used. Its clock (lifetime, idle)
// starts now.
func New(ln net.Listener, cfg Config) *Proxy {
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 16
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = time.Hour
	}
	if cfg.Idle == 0 {
		cfg.Idle = 10 * time.Minute
	}
	p := &Proxy{cfg: cfg, ln: ln, done: make(chan struct{}), conns: map[net.Conn]struct{}{}, last: time.Now()}
	go p.watch()
	return p
}

// Run accepts connections until the proxy stops. The target is dialled by
// the goroutine that calls Run, so that a caller that locked it to a
// thread in another network namespace (smbd's) dials in that namespace.
func (p *Proxy) Run() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			select {
			case <-p.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			go p.Close()
			return
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		s, err := net.DialTimeout("tcp", p.cfg.Target, 10*time.Second)
		if err != nil || !p.trackAnd(s, func() { p.wg.Add(1) }) {
			p.untrack(c)
			if s != nil {
				s.Close()
			}
			continue
		}
		go p.serve(c, s)
	}
}

// Addr is the address the proxy listens on.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Done is closed once the proxy has stopped, by Close or by itself.
func (p *Proxy) Done() <-chan struct{} { return p.done }

// Close stops the proxy: no new connection, and every open one is closed.
func (p *Proxy) Close() error {
	p.stop.Do(func() {
		p.mu.Lock()
		close(p.done) // under mu: trackAnd sees it or Wait sees its Add
		p.ln.Close()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	p.wg.Wait()
	return nil
}

// watch stops the proxy at its lifetime's end or after Idle without
// traffic, checking a few times per Idle so that it stops close to it.
func (p *Proxy) watch() {
	end := time.NewTimer(p.cfg.Lifetime)
	defer end.Stop()
	tick := time.NewTicker(max(p.cfg.Idle/10, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-end.C:
			go p.Close()
			return
		case <-tick.C:
			p.mu.Lock()
			idle := time.Since(p.last)
			p.mu.Unlock()
			if idle >= p.cfg.Idle {
				go p.Close()
				return
			}
		}
	}
}

// touch records traffic, which puts off the idle stop.
func (p *Proxy) touch() {
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
}
