package osfs

import (
	"errors"
	"fmt"
	"time"
)

// HeldRetry bounds how long a rename retries while another process holds
// the file open (IsHeldOpen): a mail program's open is short, a held file
// that stays held past it is reported, naming it. A variable for tests.
var HeldRetry = 5 * time.Second

// ErrHeldOpen is wrapped by a rename that gave up after HeldRetry.
var ErrHeldOpen = errors.New("held open by another process")

// retryHeld runs op until it succeeds, fails otherwise than IsHeldOpen, or
// HeldRetry has passed; the pause between tries grows from 20 ms to 500 ms.
func retryHeld(op func() error) error {
	deadline := time.Now().Add(HeldRetry)
	pause := 20 * time.Millisecond
	for {
		err := op()
		if err == nil || !IsHeldOpen(err) {
			return err
		}
		if time.Now().Add(pause).After(deadline) {
			return fmt.Errorf("%w (%w; retried for %v)", err, ErrHeldOpen, HeldRetry)
		}
		time.Sleep(pause)
		pause = min(2*pause, 500*time.Millisecond)
	}
}
