package osfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// RefusedOpen reports whether err, from opening a file whose stat
// succeeded just before, means another program holds the file: a sharing
// violation (IsSharingViolation), or the EIO smbnetfs reports for one. A
// real I/O error cannot be told from that EIO by the errno; that the file
// was there and readable a moment earlier is what makes it the holder's.
func RefusedOpen(err error, statOK bool) bool {
	return IsSharingViolation(err) || statOK && errors.Is(err, syscall.EIO)
}

// Held wraps an open refused because another program holds the file:
// errors.Is(err, ErrHeldOpen) holds, and the message says what to do.
func Held(rel string, err error) error {
	return fmt.Errorf("%s is %w (ADMIN, EXTERNAL or IMPORT, on this host or another client of the share): close it and run again (%w)", rel, ErrHeldOpen, err)
}

// targetHeld reports whether a replacing rename failed because the target
// is held open: on SMB the server refuses to replace such a file and the
// clients report that as EEXIST (smbnetfs) or a sharing violation.
func targetHeld(err error) bool {
	return errors.Is(err, fs.ErrExist) || heldWindow(err)
}

// heldWindow reports the errors a share's client gives while another
// program holds a file: a sharing violation, and the EIO smbnetfs answers,
// for every file of the share, for a few seconds after it was refused an
// open. Both pass; a real I/O error fails every try and is reported once
// HeldRetry is over.
func heldWindow(err error) bool { return IsSharingViolation(err) || errors.Is(err, syscall.EIO) }

// retryHeldTarget is RetryHeld for a replacing rename: EEXIST too.
func retryHeldTarget(to string, rename func() error) error {
	return retry(to, targetHeld, rename, restoreAdvice)
}

// RetryHeld runs op (an open or create of path) until it succeeds, fails
// otherwise than heldWindow, or HeldRetry has passed: a restore that
// meets a file another client holds waits for it, within a bound, rather
// than stop half-way. fs.ErrExist is never retried: for a create it means
// the name is taken.
func RetryHeld(path string, op func() error) error { return retry(path, heldWindow, op, restoreAdvice) }

// RetryHeldAdvising is RetryHeld whose error, once HeldRetry has passed,
// gives advice instead of a restore's.
func RetryHeldAdvising(path string, op func() error, advice string) error {
	return retry(path, heldWindow, op, advice)
}

// RemoveHeld removes path (a file, or an empty directory), retrying while
// another client holds it, or holds a file in it whose deletion waits for
// that client's close: a lock's release that meets a reader of it waits
// for the reader, within HeldRetry, rather than leave the lock behind.
func RemoveHeld(path string) error {
	return retry(path, func(err error) bool { return heldWindow(err) || notEmpty(err) }, func() error { return os.Remove(path) }, "close the program holding it")
}

// restoreAdvice is what a held file in a restore asks for.
const restoreAdvice = "close the program holding it (ADMIN, EXTERNAL or IMPORT on some host) and run porepair rollback"

// retry is the loop of these; the pause grows from 50 ms to 1 s, so that a
// brief open costs little and a long one few tries.
//
// advice is what the error tells the administrator to do.
func retry(path string, again func(error) bool, op func() error, advice string) error {
	deadline := time.Now().Add(HeldRetry)
	pause := 50 * time.Millisecond
	for {
		err := op()
		if err == nil || !again(err) {
			return err
		}
		if time.Now().Add(pause).After(deadline) {
			return fmt.Errorf("%w: %s is %w (retried for %v); %s", err, path, ErrHeldOpen, HeldRetry, advice)
		}
		time.Sleep(pause)
		pause = min(2*pause, time.Second)
	}
}
