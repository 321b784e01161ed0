//go:build race

package main

// raceBuilt: this test binary has the race detector (go test -race).
const raceBuilt = true
