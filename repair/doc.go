// Package repair carries out a plan: it locks the postoffice, journals and
// snapshots before the first change, writes each file durably, verifies,
// and restores the snapshot on any failure, signal or crash. It knows
// order, durability and undo; what should change is package plan's.
package repair
