// Package journal is porepair's record of a repair or rollback under way:
// one JSON line before each step, the last saying it is over. It reads
// and writes POREPAIR/JOURNAL and tells whether a repair is running (its
// lock held) or was interrupted, so that the read-only commands need not
// know the executor (package repair) to say so.
package journal
