// Package postoffice reads and patches the files of a Microsoft Mail for PC
// Networks 3.x postoffice. It knows files and bytes: record layouts, hex
// ids, case-insensitive names and the sizes MAILINT checks. It decides
// nothing about what should change; that is the job of packages diagnose
// (what is wrong) and plan (what to change).
//
// Every record is a fixed-size byte array and every field an entry of one
// layout table per file type, in the style of archive/tar's format.go:
// reading a field returns a sub-slice at a named offset, and writing a field
// patches those bytes in place, so every byte the tables do not name is
// preserved exactly. Each table lists every byte of its record: the fields
// porepair reads or writes, and the runs it only carries over, marked
// preserved. Each entry names its source: a KB article, Microsoft's own
// record definitions ("MS"), "inferred" or "convention" (see
// docs/format.md).
package postoffice
