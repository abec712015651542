// Command bindingscoverage checks that every function and every event kind
// of include/libp2pc.h is reached by each language binding under
// bindings/, and that each binding's README lists what it covers.
//
// What "reached" means, per language (the binding's own tests do not count):
//
//   - rust:   the C name (libp2pc_node_dial) is called from the safe crate,
//     bindings/rust/libp2pc/src; the event kind's constant
//     (LIBP2PC_EVENT_MESSAGE) is matched there.
//   - zig:    the C name and the event constant appear in bindings/zig/src.
//   - erlang: the C name and the event constant appear in the native code,
//     bindings/erlang/c_src, and the Erlang API in bindings/erlang/src
//     defines the function's Erlang name (see apiName), unless the native
//     code handles the function by itself (nativeOnly: freeing, config
//     init, poll, error strings).
//   - elixir: bindings/elixir/lib defines `def <apiName>` (same exceptions,
//     which the Erlang layer below handles) and names each event kind as an
//     atom (:block_imported).
//
// Each binding's README carries a generated table between the markers
// <!-- coverage:begin --> and <!-- coverage:end --> (rewritten by
// -write-readme); the check fails when it is out of date.
//
// A header with no functions or no event kinds fails: the parser is broken,
// not the bindings complete.
//
// Usage: bindingscoverage [-root DIR] [-write-readme] [lang ...]
// (default languages: rust zig erlang elixir). Exit status 1 names every
// missing function and event kind, per language.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Header is what the check needs from include/libp2pc.h.
type Header struct {
	Functions []string    // C names, in header order
	Events    []EventKind // in header order
}

// EventKind is one LIBP2PC_EVENT_* enumerator.
type EventKind struct {
	Const string // LIBP2PC_EVENT_BLOCK_IMPORTED
	Name  string // block_imported (libp2pc_event_type_name's spelling)
	Value int
}

var (
	protoRE = regexp.MustCompile(`(?m)^(?:extern\s+)?(?:const\s+)?[A-Za-z_][\w \t]*?[\s\*]+(libp2pc_\w+)\s*\(`)
	eventRE = regexp.MustCompile(`(?m)^\s*(LIBP2PC_EVENT_(\w+))\s*=\s*(\d+)`)
)

// ParseHeader extracts the function prototypes and event kinds.
func ParseHeader(src []byte) (*Header, error) {
	h := &Header{}
	seen := map[string]bool{}
	for _, m := range protoRE.FindAllSubmatch(src, -1) {
		name := string(m[1])
		if !seen[name] {
			seen[name] = true
			h.Functions = append(h.Functions, name)
		}
	}
	for _, m := range eventRE.FindAllSubmatch(src, -1) {
		v, err := strconv.Atoi(string(m[3]))
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, EventKind{Const: string(m[1]), Name: strings.ToLower(string(m[2])), Value: v})
	}
	if len(h.Functions) == 0 {
		return nil, fmt.Errorf("found no function prototypes in the header")
	}
	if len(h.Events) == 0 {
		return nil, fmt.Errorf("found no LIBP2PC_EVENT_* kinds in the header")
	}
	return h, nil
}

// apiName is a function's name in the Erlang and Elixir APIs: the C name
// without "libp2pc_", "node_" and "_sized" (libp2pc_node_peers_sized ->
// peers, libp2pc_node_eth2_subscribe -> eth2_subscribe).
func apiName(cName string) string {
	n := strings.TrimPrefix(cName, "libp2pc_")
	n = strings.TrimPrefix(n, "node_")
	return strings.TrimSuffix(n, "_sized")
}

// nativeOnly are the functions the Erlang native code uses by itself on
// the caller's behalf, with no Erlang or Elixir function of their own:
// memory the library hands out, the struct initialisers, the poll-mode
// plumbing, the error strings (returned inside every error tuple) and init
// (run when the native code loads).
var nativeOnly = map[string]bool{
	"libp2pc_free": true, "libp2pc_peers_free": true, "libp2pc_peer_table_free": true,
	"libp2pc_config_init_sized": true, "libp2pc_eth2_config_init_sized": true,
	"libp2pc_chain_config_init_sized": true, "libp2pc_discovery_config_init_sized": true,
	"libp2pc_node_event_fd": true, "libp2pc_node_poll": true,
	"libp2pc_last_error": true, "libp2pc_strerror": true, "libp2pc_init": true,
	"libp2pc_set_log_callback": true,
}

// Binding describes where one language's sources are and how it names
// things.
type Binding struct {
	Lang   string
	README string
	// Native: directories whose files must mention the C name and the
	// event constant. API: directories whose files must define apiName
	// (pattern apiDef) unless nativeOnly.
	Native []string
	API    []string
	Exts   []string
	apiDef func(name string) *regexp.Regexp
	// EventAtoms: event kinds are named as atoms (:name) in API instead
	// of as constants in Native.
	EventAtoms bool
}

var bindings = []Binding{
	{Lang: "rust", README: "bindings/rust/README.md", Native: []string{"bindings/rust/libp2pc/src"}, Exts: []string{".rs"}},
	{Lang: "zig", README: "bindings/zig/README.md", Native: []string{"bindings/zig/src"}, Exts: []string{".zig"}},
	{Lang: "erlang", README: "bindings/erlang/README.md", Native: []string{"bindings/erlang/c_src"},
		API: []string{"bindings/erlang/src"}, Exts: []string{".c", ".h", ".erl"},
		apiDef: func(n string) *regexp.Regexp { return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(n) + `\(`) }},
	{Lang: "elixir", README: "bindings/elixir/README.md", API: []string{"bindings/elixir/lib"}, Exts: []string{".ex"},
		apiDef:     func(n string) *regexp.Regexp { return regexp.MustCompile(`\bdef\s+` + regexp.QuoteMeta(n) + `\b`) },
		EventAtoms: true},
}

// Result is one language's coverage.
type Result struct {
	Lang            string
	MissingFuncs    []string // C names, with why
	MissingEvents   []string
	FuncWhere       map[string]string // C name -> how it is reached (for the README)
	EventWhere      map[string]string
	SourcesNotFound []string
}

func readTree(root string, dirs, exts []string) (string, []string, error) {
	var b strings.Builder
	var missing []string
	for _, d := range dirs {
		full := filepath.Join(root, d)
		if _, err := os.Stat(full); err != nil {
			missing = append(missing, d)
			continue
		}
		err := filepath.WalkDir(full, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				return nil
			}
			for _, x := range exts {
				if strings.HasSuffix(p, x) {
					data, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					b.Write(data)
					b.WriteByte('\n')
				}
			}
			return nil
		})
		if err != nil {
			return "", nil, err
		}
	}
	return b.String(), missing, nil
}

var identCache = map[string]*regexp.Regexp{}

// mentions reports whether src contains ident as a whole identifier.
func mentions(src, ident string) bool {
	re, ok := identCache[ident]
	if !ok {
		re = regexp.MustCompile(`\b` + regexp.QuoteMeta(ident) + `\b`)
		identCache[ident] = re
	}
	return re.MatchString(src)
}

// Check computes one binding's coverage of h.
func Check(root string, b Binding, h *Header) (*Result, error) {
	r := &Result{Lang: b.Lang, FuncWhere: map[string]string{}, EventWhere: map[string]string{}}
	native, miss1, err := readTree(root, b.Native, b.Exts)
	if err != nil {
		return nil, err
	}
	api, miss2, err := readTree(root, b.API, b.Exts)
	if err != nil {
		return nil, err
	}
	r.SourcesNotFound = append(miss1, miss2...)
	for _, f := range h.Functions {
		var why []string
		if len(b.Native) > 0 && !mentions(native, f) {
			why = append(why, fmt.Sprintf("not called in %s", strings.Join(b.Native, ", ")))
		}
		name := apiName(f)
		if b.apiDef != nil && !nativeOnly[f] && !b.apiDef(name).MatchString(api) {
			why = append(why, fmt.Sprintf("no %s function %q in %s", b.Lang, name, strings.Join(b.API, ", ")))
		}
		if len(why) > 0 {
			r.MissingFuncs = append(r.MissingFuncs, f+" ("+strings.Join(why, "; ")+")")
			continue
		}
		switch {
		case b.apiDef == nil:
			r.FuncWhere[f] = "called"
		case nativeOnly[f]:
			if len(b.Native) > 0 {
				r.FuncWhere[f] = "inside the native code"
			} else {
				r.FuncWhere[f] = "inside the Erlang binding"
			}
		default:
			r.FuncWhere[f] = "`" + name + "`"
		}
	}
	for _, e := range h.Events {
		if b.EventAtoms {
			if !strings.Contains(api, ":"+e.Name) {
				r.MissingEvents = append(r.MissingEvents, fmt.Sprintf("%s (no atom :%s in %s)", e.Const, e.Name, strings.Join(b.API, ", ")))
				continue
			}
			r.EventWhere[e.Const] = "`:" + e.Name + "`"
			continue
		}
		if !mentions(native, e.Const) {
			r.MissingEvents = append(r.MissingEvents, fmt.Sprintf("%s (not handled in %s)", e.Const, strings.Join(b.Native, ", ")))
			continue
		}
		r.EventWhere[e.Const] = "`" + e.Name + "`"
	}
	return r, nil
}

const (
	beginMarker = "<!-- coverage:begin (generated by libp2pc/internal/cmd/bindingscoverage -write-readme; do not edit) -->"
	endMarker   = "<!-- coverage:end -->"
)

// ReadmeSection renders the coverage table for a README.
func ReadmeSection(h *Header, r *Result) string {
	var b strings.Builder
	b.WriteString(beginMarker + "\n")
	fmt.Fprintf(&b, "Coverage of include/libp2pc.h: %d of %d functions, %d of %d event kinds.\n\n",
		len(r.FuncWhere), len(h.Functions), len(r.EventWhere), len(h.Events))
	b.WriteString("| C function | " + r.Lang + " |\n|---|---|\n")
	for _, f := range h.Functions {
		w, ok := r.FuncWhere[f]
		if !ok {
			w = "**missing**"
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", f, w)
	}
	b.WriteString("\n| Event kind | " + r.Lang + " |\n|---|---|\n")
	for _, e := range h.Events {
		w, ok := r.EventWhere[e.Const]
		if !ok {
			w = "**missing**"
		}
		fmt.Fprintf(&b, "| `%s` (%d) | %s |\n", e.Const, e.Value, w)
	}
	b.WriteString(endMarker + "\n")
	return b.String()
}

// spliceReadme returns readme with its coverage section replaced by section
// (appended when it has none).
func spliceReadme(readme []byte, section string) []byte {
	i := bytes.Index(readme, []byte(beginMarker))
	j := bytes.Index(readme, []byte(endMarker))
	if i < 0 || j < i {
		out := append([]byte{}, readme...)
		if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
			out = append(out, '\n')
		}
		out = append(out, "\n## Coverage\n\n"...)
		return append(out, section...)
	}
	end := j + len(endMarker)
	if end < len(readme) && readme[end] == '\n' {
		end++
	}
	out := append([]byte{}, readme[:i]...)
	out = append(out, section...)
	return append(out, readme[end:]...)
}

func main() {
	root := flag.String("root", ".", "repository root")
	write := flag.Bool("write-readme", false, "rewrite each binding README's coverage section")
	flag.Parse()
	want := map[string]bool{} // languages asked for and not found yet
	for _, l := range flag.Args() {
		want[l] = true
	}
	selected := len(want) > 0
	src, err := os.ReadFile(filepath.Join(*root, "include/libp2pc.h"))
	if err != nil {
		fail(err)
	}
	h, err := ParseHeader(src)
	if err != nil {
		fail(err)
	}
	var problems []string
	for _, b := range bindings {
		if selected && !want[b.Lang] {
			continue
		}
		delete(want, b.Lang)
		r, err := Check(*root, b, h)
		if err != nil {
			fail(err)
		}
		for _, d := range r.SourcesNotFound {
			problems = append(problems, fmt.Sprintf("%s: source directory %s not found", b.Lang, d))
		}
		for _, m := range r.MissingFuncs {
			problems = append(problems, fmt.Sprintf("%s: function %s", b.Lang, m))
		}
		for _, m := range r.MissingEvents {
			problems = append(problems, fmt.Sprintf("%s: event kind %s", b.Lang, m))
		}
		readmePath := filepath.Join(*root, b.README)
		readme, err := os.ReadFile(readmePath)
		if err != nil {
			fail(err)
		}
		section := ReadmeSection(h, r)
		if *write {
			if err := os.WriteFile(readmePath, spliceReadme(readme, section), 0o644); err != nil {
				fail(err)
			}
		} else if !bytes.Contains(readme, []byte(section)) {
			problems = append(problems, fmt.Sprintf("%s: %s's coverage table is out of date (go run ./libp2pc/internal/cmd/bindingscoverage -write-readme)", b.Lang, b.README))
		}
		fmt.Printf("bindingscoverage: %s reaches %d/%d functions, %d/%d event kinds\n",
			b.Lang, len(r.FuncWhere), len(h.Functions), len(r.EventWhere), len(h.Events))
	}
	for l := range want {
		problems = append(problems, fmt.Sprintf("unknown language %q", l))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "bindingscoverage:", p)
		}
		fmt.Fprintf(os.Stderr, "bindingscoverage: %d problems\n", len(problems))
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bindingscoverage:", err)
	os.Exit(1)
}
