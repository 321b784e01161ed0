package postoffice

// Key is a KEY file: the index and deleted-record bitmap of the mailbag
// with the same id [KB Q77926, Q104279, Q123319]. Its layout is opaque to
// porepair, which only checks its size and carries its bytes; a new KEY is
// 560 zero bytes ("-f100,32f,0", Q104279).
type Key [KeySize]byte

// DecodeKey copies b into a Key; b must be exactly 560 bytes.
func DecodeKey(b []byte) (Key, error) { return whole[Key]("KEY", b) }

// Flag is GLB/FLAG.GLB [KB Q77926, Q131670, Q131864]. Its bytes mean
// nothing to porepair: ADMIN, IMPORT and EXTERNAL hold the file open (and
// locked) to say the database is in use, and porepair locks it the same
// way; it never writes, creates or deletes it.
type Flag [FlagSize]byte

// DecodeFlag copies b into a Flag; b must be exactly 2 bytes.
func DecodeFlag(b []byte) (Flag, error) { return whole[Flag]("FLAG.GLB", b) }
