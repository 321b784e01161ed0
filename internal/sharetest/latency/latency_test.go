package latency

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echo starts a loopback echo server; it stops with the test.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends a request on c and waits for its echo.
func roundTrip(t *testing.T, c net.Conn) time.Duration {
	t.Helper()
	msg := []byte("NEGOTIATE")
	start := time.Now()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// TestDelay proves one request and its response through the proxy take at
// least its Delay, and not wildly more.
func TestDelay(t *testing.T) {
	const d = 40 * time.Millisecond
	p, err := Start(Config{Listen: "127.0.0.1:0", Target: echo(t), Delay: d})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		rt := roundTrip(t, c)
		t.Logf("round trip %d: %v", i, rt)
		if rt < d || rt > d+500*time.Millisecond {
			t.Errorf("round trip %v through a %v proxy", rt, d)
		}
	}
}

// TestStopsByItself proves the proxy stops at its lifetime's end and when
// idle, closing the connections it carries.
func TestStopsByItself(t *testing.T) {
	for _, cfg := range []Config{
		{Lifetime: 200 * time.Millisecond, Idle: time.Hour},
		{Lifetime: time.Hour, Idle: 200 * time.Millisecond},
	} {
		cfg.Listen, cfg.Target = "127.0.0.1:0", echo(t)
		start := time.Now()
		p, err := Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c)
		select {
		case <-p.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("%+v: still running after 5 s", cfg)
		}
		if el := time.Since(start); el < 200*time.Millisecond {
			t.Errorf("%+v: stopped after %v", cfg, el)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%+v: connection still open after the stop: %v", cfg, err)
		}
		if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
			t.Errorf("%+v: still accepting after the stop", cfg)
		}
		c.Close()
	}
}

// TestLoopbackOnly proves no address off loopback is listened on.
func TestLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "localhost:0"} {
		if _, err := Start(Config{Listen: addr, Target: "127.0.0.1:1"}); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("Listen %q: %v, want ErrNotLoopback", addr, err)
		}
	}
}

// TestMaxConns proves a connection beyond the bound is closed at once.
func TestMaxConns(t *testing.T) {
	p, err := Start(Config{Listen: "127.0.0.1:0", Target: echo(t), MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	first, _ := net.Dial("tcp", p.Addr())
	defer first.Close()
	roundTrip(t, first)
	second, _ := net.Dial("tcp", p.Addr())
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("second connection over a bound of 1: read %v, want EOF", err)
	}
}
