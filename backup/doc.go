// Package backup makes and restores snapshots: copies of the files a
// repair changes, creates or deletes, with a manifest of their sizes and
// SHA-256. It knows copies and hashes; the order of a repair
// and its durability are package repair's.
package backup
