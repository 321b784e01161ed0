package osfs

import (
	"errors"
	"fmt"
	"io/fs"
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
	return retry(to, targetHeld, rename)
}

// RetryHeld runs op (an open or create of path) until it succeeds, fails
// otherwise than heldWindow, or HeldRetry has passed: a restore that
// meets a file another client holds waits for it, within a bound, rather
// than stop half-way. fs.ErrExist is never retried: for a create it means
// the name is taken.
func RetryHeld(path string, op func() error) error { return retry(path, heldWindow, op) }

// retry is the loop of both; the pause grows from 50 ms to 1 s, so that a
// brief open costs little and a long one few tries.
func retry(path string, again func(error) bool, op func() error) error {
	deadline := time.Now().Add(HeldRetry)
	pause := 50 * time.Millisecond
	for {
		err := op()
		if err == nil || !again(err) {
			return err
		}
		if time.Now().Add(pause).After(deadline) {
			return fmt.Errorf("%w: %s is %w (retried for %v); close the program holding it (ADMIN, EXTERNAL or IMPORT on some host) and run porepair rollback", err, path, ErrHeldOpen, HeldRetry)
		}
		time.Sleep(pause)
		pause = min(2*pause, time.Second)
	}
}
