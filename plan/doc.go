// Package plan knows what should change in a postoffice: from a
// diagnosis (package diagnose, whose model it reads so that no file is
// read twice), it plans the repair of an access component as data, the
// equivalent of INSTALL -R then INSTALL, or refuses with the finding codes
// that made it refuse. It writes nothing; package repair carries a plan
// out.
package plan
