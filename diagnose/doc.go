// Package diagnose answers whether a postoffice is healthy, and for which
// component it is not: it reads the postoffice through package postoffice
// and returns a typed report (findings with their code, severity and KB
// articles, typed component and gateway keys, the outbound queues), never
// text. Report.About is the one answer to "which problems are about
// component C through gateway postoffice G", for the planner deciding
// whether there is anything to do and for a repair's verify deciding that
// it is done. Run adds what porepair's own records say (an unfinished
// journal, a run holding the lock). It never writes.
//
// The component manifests live here too: a diagnosis needs them to tell
// a component's record, queue and files, and the planner reads them from
// here.
package diagnose
