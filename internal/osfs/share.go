package osfs

import (
	"errors"
	"time"
)

// HeldRetry bounds how long a rename retries while another process holds
// the file open (IsHeldOpen): a mail program's open is short, a held file
// that stays held past it is reported, naming it. A variable for tests.
var HeldRetry = 5 * time.Second

// ErrHeldOpen is wrapped by a rename that gave up after HeldRetry.
var ErrHeldOpen = errors.New("held open by another process")
