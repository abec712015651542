package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

func TestCNamesMatchGo(t *testing.T) {
	for _, c := range status.Codes() {
		if got := cName(int32(c)); got != c.String() {
			t.Errorf("libp2pc_strerror(%d) = %q, Go says %q", c, got, c.String())
		}
	}
	for _, typ := range events.Types() {
		if got := cEventName(uint32(typ)); got != typ.String() {
			t.Errorf("libp2pc_event_type_name(%d) = %q, Go says %q", typ, got, typ.String())
		}
	}
	if cName(-999) != "unknown" || cEventName(999) != "unknown" {
		t.Error("unknown values must name themselves unknown")
	}
}

func TestPanicGuardTurnsPanicsIntoErrors(t *testing.T) {
	rc, msg := callDebugPanic()
	if rc != int(status.Internal) || !strings.Contains(msg, "deliberate panic") {
		t.Fatalf("rc %d, last error %q", rc, msg)
	}
}

// TestEveryExportIsGuarded reads this package's source: every //export
// function must begin with a deferred guard, so no Go panic can unwind into
// the host.
func TestEveryExportIsGuarded(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	exports := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Doc == nil || !hasExport(fn.Doc) {
				continue
			}
			exports++
			if len(fn.Body.List) == 0 {
				t.Errorf("%s: empty body", fn.Name.Name)
				continue
			}
			def, ok := fn.Body.List[0].(*ast.DeferStmt)
			if !ok {
				t.Errorf("%s: first statement is not a deferred guard", fn.Name.Name)
				continue
			}
			name := ""
			if id, ok := def.Call.Fun.(*ast.Ident); ok {
				name = id.Name
			}
			if name != "guard" && name != "guardVoid" {
				t.Errorf("%s: defers %q, want guard or guardVoid", fn.Name.Name, name)
			}
		}
	}
	if exports < 15 {
		t.Fatalf("found only %d exports; the scan is broken", exports)
	}
}

func hasExport(cg *ast.CommentGroup) bool {
	for _, c := range cg.List {
		if strings.HasPrefix(c.Text, "//export ") {
			return true
		}
	}
	return false
}
