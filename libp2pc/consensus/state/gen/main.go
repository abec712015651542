// Command gen writes convert_gen.go of package state: the conversions
// between the fork-generic BeaconState / SignedBeaconBlock of package state
// and each fork's generated SSZ containers, and the per-fork switches of
// Decode, DecodeSignedBlock and Container.
//
// The containers are read by reflection (this command imports the types
// packages), the generic structs from the source of package state (parsed,
// not imported, so a stale convert_gen.go never keeps the generator from
// running). A container field N of package P is carried by the generic
// field of the same name and type, else by the field <P>N of the same type
// (electra's Attestations → ElectraAttestations), else, when both are
// pointers to structs of different types, by a generated field-by-field
// converter (a bellatrix payload header ↔ the deneb-shaped one). Anything
// else is an error: a new container field with no home in the generic
// struct stops the generation instead of being dropped.
//
// Usage (from the state package directory, see go:generate in doc.go):
//
//	go run ./gen -dir . -o convert_gen.go
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

const (
	statePkgPath = "github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	forksPkgPath = "github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
)

// fork is one row of the fork table: the fork's constant in package forks
// and the containers its state and blocks are encoded with.
type fork struct {
	name  string       // constant in package forks and suffix of the exported names: "Phase0"
	state reflect.Type // the BeaconState container
	block reflect.Type // the SignedBeaconBlock container (fulu's is electra's)
	// Statements added to From<Fork> / To<Fork> (s: generic, p: container):
	// phase0 states carry the container's own incremental hash cache.
	fromExtra, toExtra string
}

var forkTable = []fork{
	{name: "Phase0", state: typeOf[phase0.BeaconState](), block: typeOf[phase0.SignedBeaconBlock](),
		fromExtra: "s.hashShadow = p // keep p's hash cache for the phase0 state (see HashTreeRoot)",
		toExtra:   "p.ShareHashCache(s.shadow())"},
	{name: "Altair", state: typeOf[altair.BeaconState](), block: typeOf[altair.SignedBeaconBlock]()},
	{name: "Bellatrix", state: typeOf[bellatrix.BeaconState](), block: typeOf[bellatrix.SignedBeaconBlock]()},
	{name: "Capella", state: typeOf[capella.BeaconState](), block: typeOf[capella.SignedBeaconBlock]()},
	{name: "Deneb", state: typeOf[deneb.BeaconState](), block: typeOf[deneb.SignedBeaconBlock]()},
	{name: "Electra", state: typeOf[electra.BeaconState](), block: typeOf[electra.SignedBeaconBlock]()},
	{name: "Fulu", state: typeOf[fulu.BeaconState](), block: typeOf[electra.SignedBeaconBlock]()},
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// field is a struct field: its name and its type as a canonical key
// (import paths spelled out, byte spelled uint8).
type field struct{ name, key string }

// structInfo is a struct type the generated code converts from or to.
type structInfo struct {
	key    string  // canonical key of the struct type (not the pointer)
	expr   string  // how the generated code names it: "BeaconBlockBody", "deneb.ExecutionPayloadHeader"
	fields []field // exported fields, in declaration order
	rt     reflect.Type
}

type generator struct {
	local   map[string]*structInfo // the generic structs of package state, by key
	remote  map[string]*structInfo // every struct reachable from the containers, by key
	imports map[string]bool        // import paths the output uses
	used    map[string]map[string]bool
	// converters already emitted or queued, by function name
	convs    map[string]*converter
	convList []*converter
}

// converter is a generated function between a container struct (remote)
// and the generic struct that carries it.
type converter struct {
	fn       string
	fromCont bool // container → generic ("from"), else generic → container ("to")
	cont     *structInfo
	gen      *structInfo
	needFork bool // takes the fork (the generic struct, or one nested in it, has ForkName)
	body     string
}

func main() {
	dir := flag.String("dir", ".", "directory of package state")
	out := flag.String("o", "convert_gen.go", "output file (- for standard output)")
	flag.Parse()
	src, err := generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "state/gen:", err)
		os.Exit(1)
	}
	if *out == "-" {
		_, err = os.Stdout.Write(src)
	} else {
		err = os.WriteFile(filepath.Join(*dir, *out), src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "state/gen:", err)
		os.Exit(1)
	}
}

func generate(dir string) ([]byte, error) {
	g := &generator{
		remote:  map[string]*structInfo{},
		imports: map[string]bool{forksPkgPath: true, "fmt": true},
		used:    map[string]map[string]bool{},
		convs:   map[string]*converter{},
	}
	var err error
	if g.local, err = parseLocalStructs(dir, "BeaconState", "SignedBeaconBlock", "BeaconBlock", "BeaconBlockBody"); err != nil {
		return nil, err
	}
	for _, f := range forkTable {
		g.register(f.state)
		g.register(f.block)
	}

	var b bytes.Buffer
	if err := g.states(&b); err != nil {
		return nil, err
	}
	if err := g.blocks(&b); err != nil {
		return nil, err
	}
	for i := 0; i < len(g.convList); i++ { // the list grows while bodies are built
		if err := g.buildConverter(g.convList[i]); err != nil {
			return nil, err
		}
	}
	for _, c := range g.convList {
		b.WriteString(c.body)
	}
	for _, s := range g.local {
		for _, f := range s.fields {
			if f.name != "ForkName" && !g.used[s.key][f.name] {
				return nil, fmt.Errorf("%s.%s carries no field of any fork's container", s.expr, f.name)
			}
		}
	}

	var head bytes.Buffer
	head.WriteString("// Code generated by libp2pc/consensus/state/gen from the containers of libp2pc/consensus/types. DO NOT EDIT.\n\npackage state\n\nimport (\n")
	paths := make([]string, 0, len(g.imports))
	for p := range g.imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, std := range []bool{true, false} { // the standard library first
		for _, p := range paths {
			if isStd := !strings.Contains(strings.Split(p, "/")[0], "."); isStd == std {
				fmt.Fprintf(&head, "\t%q\n", p)
			}
		}
		if std {
			head.WriteString("\n")
		}
	}
	head.WriteString(")\n")
	head.Write(b.Bytes())
	src, err := format.Source(head.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format output: %v\n%s", err, head.Bytes())
	}
	return src, nil
}

// states writes From<Fork>, To<Fork>, Decode and (*BeaconState).Container.
func (g *generator) states(b *bytes.Buffer) error {
	gen := g.local[statePkgPath+".BeaconState"]
	for _, f := range forkTable {
		cont := g.remote[keyOfType(f.state)]
		pairs, err := g.fieldPairs(cont, gen)
		if err != nil {
			return err
		}
		ce, art := g.typeExpr(f.state), article(f.name)
		fmt.Fprintf(b, "\n// From%s wraps %s %s state (sharing its memory).\nfunc From%s(p *%s) *BeaconState {\n\ts := &BeaconState{ForkName: forks.%s}\n",
			f.name, art, strings.ToLower(f.name), f.name, ce, f.name)
		for _, p := range pairs {
			fmt.Fprintf(b, "\ts.%s = %s\n", p.genName, g.convertExpr(p, true, "p", "forks."+f.name))
		}
		if f.fromExtra != "" {
			fmt.Fprintf(b, "\t%s\n", f.fromExtra)
		}
		b.WriteString("\treturn s\n}\n")

		fmt.Fprintf(b, "\n// To%s returns the state as %s %s container (sharing its memory).\nfunc (s *BeaconState) To%s() (*%s, error) {\n\tif s.ForkName != forks.%s {\n\t\treturn nil, wrongFork(s, forks.%s)\n\t}\n\tp := &%s{}\n",
			f.name, art, strings.ToLower(f.name), f.name, ce, f.name, f.name, ce)
		for _, p := range pairs {
			fmt.Fprintf(b, "\tp.%s = %s\n", p.contName, g.convertExpr(p, false, "s", ""))
		}
		if f.toExtra != "" {
			fmt.Fprintf(b, "\t%s\n", f.toExtra)
		}
		b.WriteString("\treturn p, nil\n}\n")
	}

	b.WriteString("\n// Decode decodes the SSZ encoding of a fork's BeaconState.\nfunc Decode(f forks.Fork, data []byte) (*BeaconState, error) {\n\tswitch f {\n")
	for _, f := range forkTable {
		fmt.Fprintf(b, "\tcase forks.%s:\n\t\tp := new(%s)\n\t\tif err := p.UnmarshalSSZ(data); err != nil {\n\t\t\treturn nil, fmt.Errorf(\"state: decode %%s BeaconState: %%w\", f, err)\n\t\t}\n\t\treturn From%s(p), nil\n",
			f.name, g.typeExpr(f.state), f.name)
	}
	b.WriteString("\t}\n\treturn nil, fmt.Errorf(\"state: decode: unknown fork %v\", f)\n}\n")

	b.WriteString("\n// Container returns the state as its fork's generated container (sharing\n// memory with s).\nfunc (s *BeaconState) Container() (SSZObject, error) {\n\tswitch s.ForkName {\n")
	for _, f := range forkTable {
		fmt.Fprintf(b, "\tcase forks.%s:\n\t\treturn s.To%s()\n", f.name, f.name)
	}
	b.WriteString("\t}\n\treturn nil, fmt.Errorf(\"state: unknown fork %v\", s.ForkName)\n}\n")
	return nil
}

// blocks writes BlockFrom<Fork>, DecodeSignedBlock and the switches that
// pick a block's containers (signedBlockContainer, blockContainer,
// bodyContainer).
func (g *generator) blocks(b *bytes.Buffer) error {
	signed := g.local[statePkgPath+".SignedBeaconBlock"]
	type conv struct{ from, to *converter }
	per := make([]conv, len(forkTable))
	for i, f := range forkTable {
		cont := g.remote[keyOfType(f.block)]
		from, err := g.converter(cont, signed, true)
		if err != nil {
			return err
		}
		to, err := g.converter(cont, signed, false)
		if err != nil {
			return err
		}
		per[i] = conv{from, to}
		shared := ""
		if f.block.PkgPath() != f.state.PkgPath() {
			shared = fmt.Sprintf(" (its containers are %s's)", path.Base(f.block.PkgPath()))
		}
		fmt.Fprintf(b, "\n// BlockFrom%s wraps %s %s block%s.\n// It shares the block's memory but for the outer structs of converted\n// fields; a nil message or body gives a block without message or body.\nfunc BlockFrom%s(b *%s) *SignedBeaconBlock {\n\treturn %s(forks.%s, b)\n}\n",
			f.name, article(f.name), strings.ToLower(f.name), shared, f.name, g.typeExpr(f.block), from.fn, f.name)
	}

	b.WriteString("\n// DecodeSignedBlock decodes the SSZ encoding of a fork's SignedBeaconBlock.\nfunc DecodeSignedBlock(f forks.Fork, data []byte) (*SignedBeaconBlock, error) {\n\tswitch f {\n")
	for _, f := range forkTable {
		fmt.Fprintf(b, "\tcase forks.%s:\n\t\tb := new(%s)\n\t\tif err := b.UnmarshalSSZ(data); err != nil {\n\t\t\treturn nil, fmt.Errorf(\"state: decode %%s SignedBeaconBlock: %%w\", f, err)\n\t\t}\n\t\treturn BlockFrom%s(b), nil\n",
			f.name, g.typeExpr(f.block), f.name)
	}
	b.WriteString("\t}\n\treturn nil, fmt.Errorf(\"state: decode: unknown fork %v\", f)\n}\n")

	// The message and body converters are nested in the signed block's;
	// find them by their container types.
	find := func(cont reflect.Type, field string, fromCont bool) (*converter, error) {
		sf, ok := cont.FieldByName(field)
		if !ok || sf.Type.Kind() != reflect.Pointer {
			return nil, fmt.Errorf("%v has no pointer field %s", cont, field)
		}
		name := convName(g.remote[keyOfType(sf.Type.Elem())], fromCont)
		c := g.convs[name]
		if c == nil {
			return nil, fmt.Errorf("no converter %s", name)
		}
		return c, nil
	}
	// path: the fields leading from the signed block container to the
	// returned one; switchOn: the generic value holding the fork.
	type sw struct{ fn, doc, param, arg, path, switchOn string }
	switches := []sw{
		{"signedBlockContainer", "the signed block as its fork's SignedBeaconBlock container", "b *SignedBeaconBlock", "b", "", "b.Message.ForkName"},
		{"blockContainer", "the block as its fork's BeaconBlock container", "b *BeaconBlock", "b", "Message", "b.ForkName"},
		{"bodyContainer", "the block's body as its fork's BeaconBlockBody container", "b *BeaconBlock", "b.Body", "Message.Body", "b.ForkName"},
	}
	for _, s := range switches {
		fmt.Fprintf(b, "\n// %s returns %s,\n// sharing memory with b.\nfunc %s(%s) (SSZObject, error) {\n\tswitch %s {\n",
			s.fn, s.doc, s.fn, s.param, s.switchOn)
		for i, f := range forkTable {
			c, cont := per[i].to, f.block
			for _, part := range strings.Split(s.path, ".") {
				if part == "" {
					continue
				}
				var err error
				if c, err = find(cont, part, false); err != nil {
					return err
				}
				cont = c.cont.rt
			}
			fmt.Fprintf(b, "\tcase forks.%s:\n\t\treturn %s(%s), nil\n", f.name, c.fn, s.arg)
		}
		fmt.Fprintf(b, "\t}\n\treturn nil, fmt.Errorf(\"state: unknown block fork %%v\", %s)\n}\n", s.switchOn)
	}
	return nil
}

// pair maps one container field to the generic field that carries it.
type pair struct {
	contName, genName string
	conv              *structInfo // non-nil: both are pointers to these different structs (cont side)
	genConv           *structInfo
}

// fieldPairs maps every field of the container cont to a field of the
// generic struct gen, by the rules of the package comment.
func (g *generator) fieldPairs(cont, gen *structInfo) ([]pair, error) {
	genByName := map[string]field{}
	for _, f := range gen.fields {
		genByName[f.name] = f
	}
	prefix := exportedName(path.Base(cont.rt.PkgPath()))
	var out []pair
	taken := map[string]string{}
	for _, cf := range cont.fields {
		var p pair
		if gf, ok := genByName[cf.name]; ok && gf.key == cf.key {
			p = pair{contName: cf.name, genName: gf.name}
		} else if gf, ok := genByName[prefix+cf.name]; ok && gf.key == cf.key {
			p = pair{contName: cf.name, genName: gf.name}
		} else if gf, ok := genByName[cf.name]; ok && strings.HasPrefix(cf.key, "*") && strings.HasPrefix(gf.key, "*") {
			cs, gs := g.remote[cf.key[1:]], g.structByKey(gf.key[1:])
			if cs == nil || gs == nil {
				return nil, fmt.Errorf("%s.%s (%s) and %s.%s (%s) are different types that are not both structs", cont.expr, cf.name, cf.key, gen.expr, gf.name, gf.key)
			}
			p = pair{contName: cf.name, genName: gf.name, conv: cs, genConv: gs}
		} else {
			return nil, fmt.Errorf("%s.%s (%s): no field %s or %s%s of that type in %s", cont.expr, cf.name, cf.key, cf.name, prefix, cf.name, gen.expr)
		}
		if prev, dup := taken[p.genName]; dup {
			return nil, fmt.Errorf("%s.%s and .%s both map to %s.%s", cont.expr, prev, cf.name, gen.expr, p.genName)
		}
		taken[p.genName] = cf.name
		if g.used[gen.key] == nil {
			g.used[gen.key] = map[string]bool{}
		}
		g.used[gen.key][p.genName] = true
		out = append(out, p)
	}
	return out, nil
}

// convertExpr is the right-hand side that carries field p from the
// variable v (the container when fromCont, else the generic value).
func (g *generator) convertExpr(p pair, fromCont bool, v, forkArg string) string {
	if p.conv == nil {
		if fromCont {
			return v + "." + p.contName
		}
		return v + "." + p.genName
	}
	c, err := g.converter(p.conv, p.genConv, fromCont)
	if err != nil {
		panic(err) // converter only fails on a bad pairing, which fieldPairs already checked
	}
	if fromCont {
		if c.needFork {
			return fmt.Sprintf("%s(%s, %s.%s)", c.fn, forkArg, v, p.contName)
		}
		return fmt.Sprintf("%s(%s.%s)", c.fn, v, p.contName)
	}
	return fmt.Sprintf("%s(%s.%s)", c.fn, v, p.genName)
}

func convName(cont *structInfo, fromCont bool) string {
	dir := "to"
	if fromCont {
		dir = "from"
	}
	return dir + exportedName(path.Base(cont.rt.PkgPath())) + cont.rt.Name()
}

// converter returns (queuing it on first use) the converter between the
// container struct cont and the generic struct gen.
func (g *generator) converter(cont, gen *structInfo, fromCont bool) (*converter, error) {
	name := convName(cont, fromCont)
	if c, ok := g.convs[name]; ok {
		if c.gen != gen {
			return nil, fmt.Errorf("%s is carried both as %s and as %s", cont.expr, c.gen.expr, gen.expr)
		}
		return c, nil
	}
	c := &converter{fn: name, fromCont: fromCont, cont: cont, gen: gen}
	pairs, err := g.fieldPairs(cont, gen)
	if err != nil {
		return nil, err
	}
	c.needFork = g.needsFork(cont, gen, map[string]bool{})
	g.convs[name] = c
	g.convList = append(g.convList, c)
	for _, p := range pairs { // queue the nested converters now, so callers can find them
		if p.conv != nil {
			if _, err := g.converter(p.conv, p.genConv, fromCont); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// needsFork reports whether converting cont into gen must be told the
// fork: gen, or a struct converted inside it, has a ForkName field.
func (g *generator) needsFork(cont, gen *structInfo, seen map[string]bool) bool {
	if seen[gen.key] {
		return false
	}
	seen[gen.key] = true
	for _, f := range gen.fields {
		if f.name == "ForkName" {
			return true
		}
	}
	pairs, err := g.fieldPairs(cont, gen)
	if err != nil {
		return false
	}
	for _, p := range pairs {
		if p.conv != nil && g.needsFork(p.conv, p.genConv, seen) {
			return true
		}
	}
	return false
}

func (g *generator) buildConverter(c *converter) error {
	pairs, err := g.fieldPairs(c.cont, c.gen)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	src, dst := g.typeExpr(c.cont.rt), c.gen.expr
	if !c.fromCont {
		src, dst = dst, src
	}
	params := "v *" + src
	if c.fromCont && c.needFork {
		params = "f forks.Fork, " + params
	}
	fmt.Fprintf(&b, "\n// %s: %s → %s, sharing memory but for the outer structs.\nfunc %s(%s) *%s {\n\tif v == nil {\n\t\treturn nil\n\t}\n\treturn &%s{\n",
		c.fn, src, dst, c.fn, params, dst, dst)
	if c.fromCont {
		for _, f := range c.gen.fields {
			if f.name == "ForkName" {
				b.WriteString("\t\tForkName: f,\n")
			}
		}
	}
	for _, p := range pairs {
		name := p.genName
		if !c.fromCont {
			name = p.contName
		}
		fmt.Fprintf(&b, "\t\t%s: %s,\n", name, g.convertExpr(p, c.fromCont, "v", "f"))
	}
	b.WriteString("\t}\n}\n")
	c.body = b.String()
	return nil
}

// register records every struct type reachable from t.
func (g *generator) register(t reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.Name() == "" {
		return
	}
	key := keyOfType(t)
	if _, ok := g.remote[key]; ok {
		return
	}
	s := &structInfo{key: key, rt: t}
	g.remote[key] = s
	s.expr = path.Base(t.PkgPath()) + "." + t.Name()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		s.fields = append(s.fields, field{name: sf.Name, key: keyOfType(sf.Type)})
		g.register(sf.Type)
	}
}

func (g *generator) structByKey(key string) *structInfo {
	if s, ok := g.local[key]; ok {
		return s
	}
	return g.remote[key]
}

// typeExpr names a container type in the output, importing its package.
func (g *generator) typeExpr(t reflect.Type) string {
	g.imports[t.PkgPath()] = true
	return path.Base(t.PkgPath()) + "." + t.Name()
}

// keyOfType is the canonical key of a reflected type.
func keyOfType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + keyOfType(t.Elem())
	case reflect.Slice:
		return "[]" + keyOfType(t.Elem())
	case reflect.Array:
		return "[" + strconv.Itoa(t.Len()) + "]" + keyOfType(t.Elem())
	}
	if t.PkgPath() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	return t.String()
}

// parseLocalStructs reads the named struct types from the non-test,
// non-generated sources of package state in dir.
func parseLocalStructs(dir string, names ...string) (map[string]*structInfo, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]*structInfo{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_gen.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		imports := map[string]string{}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			n := path.Base(p)
			if im.Name != nil {
				n = im.Name.Name
			}
			imports[n] = p
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok || !want[ts.Name.Name] {
					continue
				}
				s := &structInfo{key: statePkgPath + "." + ts.Name.Name, expr: ts.Name.Name}
				for _, fl := range st.Fields.List {
					key, err := keyOfExpr(fl.Type, imports)
					if err != nil {
						return nil, fmt.Errorf("%s: %v", fset.Position(fl.Pos()), err)
					}
					for _, n := range fl.Names {
						if n.IsExported() {
							s.fields = append(s.fields, field{name: n.Name, key: key})
						}
					}
				}
				out[s.key] = s
			}
		}
	}
	for _, n := range names {
		if out[statePkgPath+"."+n] == nil {
			return nil, fmt.Errorf("no struct type %s in %s", n, dir)
		}
	}
	return out, nil
}

// keyOfExpr is the canonical key of a type expression of package state.
func keyOfExpr(e ast.Expr, imports map[string]string) (string, error) {
	switch e := e.(type) {
	case *ast.StarExpr:
		k, err := keyOfExpr(e.X, imports)
		return "*" + k, err
	case *ast.ArrayType:
		k, err := keyOfExpr(e.Elt, imports)
		if e.Len == nil {
			return "[]" + k, err
		}
		lit, ok := e.Len.(*ast.BasicLit)
		if !ok || lit.Kind != token.INT {
			return "", fmt.Errorf("array length must be a literal")
		}
		return "[" + lit.Value + "]" + k, err
	case *ast.SelectorExpr:
		pkg, ok := e.X.(*ast.Ident)
		if !ok || imports[pkg.Name] == "" {
			return "", fmt.Errorf("unknown package in %v", e)
		}
		return imports[pkg.Name] + "." + e.Sel.Name, nil
	case *ast.Ident:
		switch e.Name {
		case "byte":
			return "uint8", nil
		case "bool", "uint8", "uint16", "uint32", "uint64", "int", "int8", "int16", "int32", "int64", "string":
			return e.Name, nil
		}
		return statePkgPath + "." + e.Name, nil
	}
	return "", fmt.Errorf("unsupported field type %T", e)
}

func exportedName(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func article(name string) string {
	if strings.ContainsRune("AEIOU", rune(name[0])) {
		return "an"
	}
	return "a"
}
