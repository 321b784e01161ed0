package postoffice

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// Hash streams r through SHA-256: a queue is fingerprinted without being
// read whole. It returns the size read and the hex digest, the form the
// plans, snapshots and journal record.
func Hash(r io.Reader) (size int64, sum string, err error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return n, "", fmt.Errorf("hash: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// SumHex is the hex SHA-256 of bytes already in memory.
func SumHex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
