//go:build !linux

package main

// measureLinks has nothing to measure where the real-share test bed
// cannot run.
func measureLinks(string, int) ([]*linkRow, string, error) {
	return nil, "the real-share test bed (smbd, smbnetfs) runs on Linux only", nil
}
