// Package plan knows what should change in a postoffice: it diagnoses one
// (findings with KB references) and plans the repair of an access
// component as data, the equivalent of INSTALL -R then INSTALL. It reads
// through package postoffice and writes nothing; package repair carries a
// plan out.
package plan
