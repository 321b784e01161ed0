// Package durable makes the writes porepair does to a postoffice and its
// own files survive a crash: a file is written as a temp file in its own
// directory, fsynced, renamed over the target, and the directory fsynced.
// The OS-specific parts (a rename that never replaces, an open that never
// follows a link, the directory fsync) are package osfs's.
//
// Every durable write goes through step. In a binary built with the build
// tag faultinject (the test targets build so), step counts the writes in
// one sequence per process, so that the fault hook POREPAIR_FAULT can
// crash or fail at any of them:
//
//	POREPAIR_FAULT=crash:N       exit 99, no cleanup, right after the N-th write
//	POREPAIR_FAULT=fail:N        the N-th write returns EIO and does nothing
//	POREPAIR_FAULT=fail:N:ENOSPC the same with ENOSPC
//	POREPAIR_FAULT=delay:MS      sleep MS milliseconds before every write, so
//	                             that concurrency tests can meet a repair mid-way
//
// A normal build has no hook: step just writes, and the variable is
// ignored, so a stray POREPAIR_FAULT in a production environment cannot
// crash a real repair.
package durable
