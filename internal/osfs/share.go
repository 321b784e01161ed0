package osfs

import (
	"errors"
	"time"
)

// HeldRetry bounds how long a rename retries while another process holds
// the file open (IsHeldOpen): a mail program's open is short, a held file
// that stays held past it is reported, naming it. 30 s covers ADMIN's or
// EXTERNAL's brief opens on a share, whose clients also refuse every
// open for a few seconds after one was refused (held.go). A variable for
// tests; the command sets it from POREPAIR_HELD_RETRY.
var HeldRetry = 30 * time.Second

// ErrHeldOpen is wrapped by a rename that gave up after HeldRetry.
var ErrHeldOpen = errors.New("held open by another process")
