package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/repair"
)

func snapshotsCommand(e *env) *cli.Command {
	// dirOf is where this PO's snapshots live.
	dirOf := func(c *cli.Context, root string) string {
		if d := snapshotDir(c); d != "" {
			return d
		}
		return backup.DefaultDir(root)
	}
	one := func(c *cli.Context) (string, string, error) {
		pos, err := poPaths(c)
		if err != nil {
			return "", "", err
		}
		if len(pos) > 1 {
			return "", "", usagef("snapshots works on one postoffice")
		}
		p, err := openPO(pos[0])
		if err != nil {
			return "", "", err
		}
		return p.Root, dirOf(c, p.Root), nil
	}
	// open reads the snapshot the ID argument names.
	open := func(c *cli.Context) (*backup.Snapshot, error) {
		_, dir, err := one(c)
		if err != nil {
			return nil, err
		}
		if c.NArg() != 1 {
			return nil, usagef("snapshots %s needs a snapshot ID", c.Command.Name)
		}
		s, err := backup.Open(dir, c.Args().First())
		if err != nil {
			return nil, exit(exitUsage, err)
		}
		return s, nil
	}
	return &cli.Command{
		Name:  "snapshots",
		Usage: "list, show, verify or prune the snapshots of a postoffice",
		UsageText: `porepair --po DIR snapshots list
porepair --po DIR snapshots show ID
porepair --po DIR snapshots verify ID
porepair --po DIR snapshots prune --keep 5`,
		Subcommands: []*cli.Command{
			{
				Name: "list", Usage: "the snapshots of this postoffice, oldest first",
				Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					root, dir, err := one(c)
					if err != nil {
						return err
					}
					list, err := backup.List(dir, root)
					if err != nil {
						return exit(exitUsage, err)
					}
					if jsonOut(c) {
						return writeJSON(e.stdout, map[string]any{"snapshots": list})
					}
					if len(list) == 0 {
						fmt.Fprintf(e.stdout, "no snapshots of %s in %s\n", root, dir)
					}
					for _, s := range list {
						fmt.Fprintf(e.stdout, "%s  %s  %s\n", s.ID, s.Time, s.Component)
					}
					return nil
				},
			},
			{
				Name: "show", Usage: "a snapshot's manifest", ArgsUsage: "ID", Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					s, err := open(c)
					if err != nil {
						return err
					}
					if jsonOut(c) {
						return writeJSON(e.stdout, s.Manifest)
					}
					fmt.Fprintf(e.stdout, "snapshot %s of %s (%s), made %s, plan %s\n", s.ID, s.PO, s.Component, s.Time, s.PlanDigest[:12])
					for _, en := range s.Entries {
						what := "copied"
						switch {
						case en.MovedTo != "":
							what = "moved to " + en.MovedTo
						case !en.Existed:
							what = "created by the repair"
						}
						fmt.Fprintf(e.stdout, "  %-22s %8d  %s  %s\n", en.File, en.Size, short(en.SHA256), what)
					}
					return nil
				},
			},
			{
				Name: "verify", Usage: "check every copy against its SHA-256 (exit 3 if damaged)", ArgsUsage: "ID",
				Action: func(c *cli.Context) error {
					s, err := open(c)
					if err != nil {
						return err
					}
					verr := s.Verify()
					if jsonOut(c) {
						return verifyJSON(e, s.ID, len(s.Entries), verr)
					}
					if verr != nil {
						return exit(exitProblems, fmt.Errorf("snapshot %s is damaged: %w", s.ID, verr))
					}
					fmt.Fprintf(e.stdout, "snapshot %s: %d entries, every copy matches\n", s.ID, len(s.Entries))
					return nil
				},
			},
			{
				Name: "prune", Usage: "remove all but the newest N snapshots of this postoffice",
				Flags: []cli.Flag{&cli.IntFlag{Name: "keep", Required: true, Usage: "how many to keep"}},
				Action: func(c *cli.Context) error {
					root, dir, err := one(c)
					if err != nil {
						return err
					}
					keep := c.Int("keep")
					if keep < 0 {
						return usagef("--keep must be 0 or more")
					}
					list, err := backup.List(dir, root)
					if err != nil {
						return exit(exitUsage, err)
					}
					pinned := ""
					if j, ok := repair.Unfinished(root); ok && j != nil {
						pinned = j.Begin.Snapshot // an unfinished repair's snapshot is never pruned
					}
					var removed []string
					for i := 0; i < len(list)-keep; i++ {
						if list[i].ID == pinned {
							continue
						}
						if err := backup.Remove(dir, list[i].ID); err != nil {
							return exit(exitUsage, err)
						}
						removed = append(removed, list[i].ID)
					}
					fmt.Fprintf(e.stdout, "removed %d snapshot(s)%s\n", len(removed), strings.Join(append([]string{""}, removed...), "\n  "))
					return nil
				},
			},
		},
	}
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}
