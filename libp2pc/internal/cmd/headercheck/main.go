// Command headercheck verifies that the hand-written public header agrees
// with what the library really exports:
//
//   - every function cgo exports is declared in include/libp2pc.h with the
//     same return and parameter types (const qualifiers aside, which cgo
//     cannot express), and the header declares nothing the library lacks
//     (besides the functions implemented in C, listed below);
//   - the LIBP2PC_ERR_* values are exactly the Go status codes, and the
//     LIBP2PC_EVENT_* values exactly the Go event types;
//   - the header's ABI version equals the library's (libp2pc/abi/abi.go);
//   - every function the header declares has its manual block right above
//     its prototype, of one shape: "/* <name>: what it does", then lines
//     Returns, Threads, Pointers and "Since     ABI <major>.<minor>" (a
//     *_sized function's block may name the macro over it instead).
//
// Usage: headercheck include/libp2pc.h build/cgo/libp2pc_cgo.h libp2pc/abi/abi.go
package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// implementedInC are declared by the header but defined in C, not Go.
var implementedInC = map[string]bool{
	"libp2pc_last_error":      true,
	"libp2pc_strerror":        true,
	"libp2pc_event_type_name": true,
}

var (
	protoRE   = regexp.MustCompile(`(?m)^(?:extern\s+)?((?:const\s+)?[A-Za-z_][\w\s]*?[\s\*]+)(libp2pc_\w+)\s*\(([^)]*)\)\s*;`)
	errRE     = regexp.MustCompile(`(?m)^#define\s+(LIBP2PC_(?:OK|ERR_\w+))\s+\(?(-?\d+)\)?`)
	eventRE   = regexp.MustCompile(`(?m)^\s*(LIBP2PC_EVENT_\w+)\s*=\s*(\d+)`)
	verRE     = regexp.MustCompile(`(?m)^#define\s+LIBP2PC_ABI_VERSION_(MAJOR|MINOR)\s+(\d+)`)
	goVerRE   = regexp.MustCompile(`abi(Major|Minor)\s*=\s*(\d+)`)
	commentRE = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
)

// normType strips const, the parameter name and all spaces.
func normType(param string, hasName bool) string {
	words := strings.Fields(strings.ReplaceAll(strings.ReplaceAll(param, "*", " * "), "const", " "))
	if hasName && len(words) > 1 && words[len(words)-1] != "*" {
		words = words[:len(words)-1]
	}
	return strings.Join(words, "")
}

func signatures(src string) map[string]string {
	out := map[string]string{}
	for _, m := range protoRE.FindAllStringSubmatch(commentRE.ReplaceAllString(src, ""), -1) {
		var params []string
		for _, p := range strings.Split(m[3], ",") {
			p = strings.TrimSpace(p)
			if p == "void" || p == "" {
				continue
			}
			params = append(params, normType(p, true))
		}
		out[m[2]] = normType(m[1], false) + "(" + strings.Join(params, ",") + ")"
	}
	return out
}

// blockRE finds each prototype with the text before it back to the end of
// the previous comment: that comment must be the function's block.
var (
	declRE  = regexp.MustCompile(`(?m)^(?:const\s+)?[A-Za-z_][\w\s]*?[\s\*]+(libp2pc_\w+)\s*\(`)
	sinceRE = regexp.MustCompile(`\n \*   Since     ABI \d+\.\d+`)
)

// manualProblems checks that every declared function has its block.
func manualProblems(src string) []string {
	var out []string
	for _, m := range declRE.FindAllStringSubmatchIndex(src, -1) {
		name := src[m[2]:m[3]]
		before := src[:m[0]]
		end := strings.LastIndex(before, "*/")
		start := strings.LastIndex(before[:max(end, 0)], "/*")
		if end < 0 || start < 0 {
			out = append(out, name+": no comment block above its prototype")
			continue
		}
		between := strings.TrimSpace(before[end+2:])
		if between != "" && between != "#ifndef LIBP2PC_NO_PROTOTYPES" {
			out = append(out, fmt.Sprintf("%s: its block is not right above the prototype (found %q between)", name, between))
			continue
		}
		block := before[start:end]
		short := strings.TrimSuffix(name, "_sized")
		if !strings.HasPrefix(block, "/* "+name+":") && !strings.HasPrefix(block, "/* "+short+"(") {
			out = append(out, fmt.Sprintf("%s: its block must start with \"/* %s: what it does\"", name, name))
		}
		for _, key := range []string{"Returns", "Threads", "Pointers"} {
			if !strings.Contains(block, "\n *   "+key+" ") {
				out = append(out, fmt.Sprintf("%s: its block has no %q line", name, key))
			}
		}
		if !sinceRE.MatchString(block) {
			out = append(out, fmt.Sprintf("%s: its block has no \"Since     ABI x.y\" line", name))
		}
	}
	return out
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: headercheck PUBLIC_HEADER CGO_HEADER ABI_GO_FILE")
		os.Exit(2)
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return string(b)
	}
	pub, cgo, abiGo := read(os.Args[1]), read(os.Args[2]), read(os.Args[3])
	var problems []string
	bad := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }

	hs, gs := signatures(pub), signatures(cgo)
	if len(gs) == 0 {
		bad("no exports found in %s", os.Args[2])
	}
	for name, g := range gs {
		h, ok := hs[name]
		switch {
		case !ok:
			bad("%s is exported by the library but not declared in %s", name, os.Args[1])
		case h != g:
			bad("%s: header declares %s, library exports %s", name, h, g)
		}
	}
	for name := range hs {
		if _, ok := gs[name]; !ok && !implementedInC[name] {
			bad("%s is declared in the header but the library does not export it", name)
		}
	}

	headerCodes := map[int]string{}
	for _, m := range errRE.FindAllStringSubmatch(pub, -1) {
		v, _ := strconv.Atoi(m[2])
		headerCodes[v] = m[1]
	}
	for _, c := range status.Codes() {
		if _, ok := headerCodes[int(c)]; !ok {
			bad("status code %d (%s) has no LIBP2PC_ERR_* macro", c, c)
		}
		delete(headerCodes, int(c))
	}
	for v, name := range headerCodes {
		bad("%s = %d is not a status code of the library", name, v)
	}

	headerEvents := map[int]string{}
	for _, m := range eventRE.FindAllStringSubmatch(pub, -1) {
		v, _ := strconv.Atoi(m[2])
		headerEvents[v] = m[1]
	}
	for _, t := range events.Types() {
		if _, ok := headerEvents[int(t)]; !ok {
			bad("event type %d (%s) has no LIBP2PC_EVENT_* constant", t, t)
		}
		delete(headerEvents, int(t))
	}
	for v, name := range headerEvents {
		bad("%s = %d is not an event type of the library", name, v)
	}

	hv, gv := map[string]string{}, map[string]string{}
	for _, m := range verRE.FindAllStringSubmatch(pub, -1) {
		hv[strings.ToLower(m[1])] = m[2]
	}
	for _, m := range goVerRE.FindAllStringSubmatch(abiGo, -1) {
		gv[strings.ToLower(m[1])] = m[2]
	}
	if hv["major"] == "" || hv["major"] != gv["major"] || hv["minor"] != gv["minor"] {
		bad("ABI version: header %s.%s, library %s.%s", hv["major"], hv["minor"], gv["major"], gv["minor"])
	}

	for _, p := range manualProblems(pub) {
		bad("%s", p)
	}

	sort.Strings(problems)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "header-check:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("header-check: %d exported functions, %d error codes, %d event types agree\n",
		len(gs), len(status.Codes()), len(events.Types()))
}
