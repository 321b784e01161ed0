package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// docFormats are docs' flags, each the name of what it prints.
var docFormats = []string{"man", "markdown", "bash-completion", "zsh-completion", "fish-completion"}

func docsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "docs",
		Usage: "print the reference generated from the command definitions",
		UsageText: `porepair docs --man > porepair.1
porepair docs --markdown > docs/reference.md
source <(porepair docs --bash-completion)
porepair docs --zsh-completion > "${fpath[1]}/_porepair"
porepair docs --fish-completion > ~/.config/fish/completions/porepair.fish`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "man", Usage: fmt.Sprintf("a man page (roff, section %d)", manSection)},
			&cli.BoolFlag{Name: "markdown", Usage: "markdown"},
			&cli.BoolFlag{Name: "bash-completion", Usage: "a bash completion script"},
			&cli.BoolFlag{Name: "zsh-completion", Usage: "a zsh completion script"},
			&cli.BoolFlag{Name: "fish-completion", Usage: "a fish completion script"},
		},
		Action: func(c *cli.Context) error {
			var set []string
			for _, f := range docFormats {
				if c.Bool(f) {
					set = append(set, f)
				}
			}
			if len(set) != 1 {
				return usagef("docs needs exactly one of --man, --markdown, --bash-completion, --zsh-completion and --fish-completion")
			}
			s, err := doc(c.App, set[0])
			if err != nil {
				return err
			}
			fmt.Fprint(e.stdout, s)
			return nil
		},
	}
}

// doc is the document of one of docFormats.
func doc(app *cli.App, format string) (string, error) {
	switch format {
	case "man":
		return manPage(app)
	case "markdown":
		return app.ToMarkdown()
	case "bash-completion":
		return bashCompletion, nil
	case "zsh-completion":
		return zshCompletion, nil
	default:
		return fishCompletion, nil
	}
}

// The completion scripts ask porepair itself for the words that fit
// (completeWith): commands, flags, inspect's views, the snapshot ids of
// the postoffice given on the line; or, for a flag that takes a path,
// completeDirs or completeFiles, on which the shell completes the names.
const bashCompletion = `_porepair_complete() {
  local cur words opt name
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" ` + completionFlag + ` 2>/dev/null)
  else
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" ` + completionFlag + ` 2>/dev/null)
  fi
  COMPREPLY=()
  case "$words" in
  ` + completeDirs + `) opt=-d ;;
  ` + completeFiles + `) opt=-f ;;
  *) COMPREPLY=($(compgen -W "$words" -- "$cur")); return 0 ;;
  esac
  compopt -o filenames 2>/dev/null
  while IFS= read -r name; do COMPREPLY+=("$name"); done < <(compgen "$opt" -- "$cur")
  return 0
}
complete -o bashdefault -o default -F _porepair_complete porepair
`

// zshCompletion is a file for $fpath, which compinit autoloads as the
// function _porepair when its first line is #compdef porepair: the
// file's body runs at the first completion, so it defines the function
// and then calls it.
const zshCompletion = `#compdef porepair
_porepair() {
  local -a opts
  local cur=${words[CURRENT]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:$((CURRENT-1))} $cur ` + completionFlag + ` 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:$((CURRENT-1))} ` + completionFlag + ` 2>/dev/null)}")
  fi
  case "${opts[1]}" in
  ` + completeDirs + `) _files -/ ;;
  ` + completeFiles + `|'') _files ;;
  *) compadd -a opts ;;
  esac
}
_porepair "$@"
`

// fishCompletion turns fish's file completion off (-f), but for a flag
// that takes a path, whose names it lists itself.
const fishCompletion = `function __porepair_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l words
    if string match -q -- '-*' $cur
        set words ($tokens $cur ` + completionFlag + ` 2>/dev/null)
    else
        set words ($tokens ` + completionFlag + ` 2>/dev/null)
    end
    switch "$words"
        case ` + completeDirs + `
            __fish_complete_directories $cur
        case ` + completeFiles + `
            __fish_complete_path $cur
        case '*'
            printf '%s\n' $words
    end
end
complete -c porepair -f -a '(__porepair_complete)'
`
