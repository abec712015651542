package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

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

// The ABI 2.0 layouts on 64-bit platforms, as the header records them. The
// first layout of a struct never changes within major 2, whatever later
// minor versions append.
var firstLayouts64 = map[string]uintptr{
	"libp2pc_config": 80, "libp2pc_eth2_config": 104, "libp2pc_discovery_config": 136, "libp2pc_chain_config": 48,
	"libp2pc_eth2_status": 96, "libp2pc_eth2_metadata": 32, "libp2pc_counters": 160, "libp2pc_membership_counters": 176,
	"libp2pc_member_counters": 104, "libp2pc_eth2_counters": 608, "libp2pc_reqresp_counters": 184,
	"libp2pc_discovery_counters": 144, "libp2pc_chain_sync_status": 240, "libp2pc_peer": 24, "libp2pc_peer_info": 200,
	"libp2pc_member":            16,
	"libp2pc_chain_da_counters": 176, // since ABI 2.2: its first layout
}

func TestFirstLayouts(t *testing.T) {
	sizes := structSizes()
	if len(growableLayouts) != len(firstLayouts64) || len(sizes) != len(firstLayouts64) {
		t.Fatalf("%d layouts, %d sizes, %d recorded: every growable struct needs all three",
			len(growableLayouts), len(sizes), len(firstLayouts64))
	}
	for _, l := range growableLayouts {
		size, ok := sizes[l.name]
		if !ok {
			t.Errorf("%s: no size", l.name)
			continue
		}
		if l.first == 0 || l.first > size {
			t.Errorf("%s: first layout %d bytes, sizeof %d", l.name, l.first, size)
		}
		if want := firstLayouts64[l.name]; unsafe.Sizeof(uintptr(0)) == 8 && l.first != want {
			t.Errorf("%s: ABI 2.0 layout is %d bytes, the header records %d", l.name, l.first, want)
		}
	}
}

func TestReadInTakesThePrefix(t *testing.T) {
	sizeofStatus := structSizes()["libp2pc_eth2_status"]
	first := uint32(eth2StatusLayout.first)
	// At the 2.0 size, and above the library's size (a newer host): the
	// library reads its own fields, and nothing past its struct.
	for _, size := range []uint32{first, uint32(sizeofStatus) + 16} {
		got, err := readInPrefix(size)
		if err != nil {
			t.Fatalf("struct_size %d: %v", size, err)
		}
		for i, b := range got[4:] {
			if b != 0xa5 {
				t.Fatalf("struct_size %d: byte %d read as %#x", size, i+4, b)
			}
		}
	}
	for _, tc := range []struct {
		size uint32
		want string
	}{{0, "struct_size is 0"}, {first - 1, "below the"}, {1 << 20, "absurdly large"}} {
		_, err := readInPrefix(tc.size)
		if status.CodeOf(err) != status.InvalidArgument || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("struct_size %d: %v, want INVALID_ARGUMENT %q", tc.size, err, tc.want)
		}
	}
}

func TestWriteOutStopsAtStructSize(t *testing.T) {
	sizeofStatus := structSizes()["libp2pc_eth2_status"]
	first := uint32(eth2StatusLayout.first)
	for _, size := range []uint32{first, uint32(sizeofStatus) + 16} {
		mem, err := writeOutPrefix(size)
		if err != nil {
			t.Fatalf("struct_size %d: %v", size, err)
		}
		if got := uint32(mem[0]) | uint32(mem[1])<<8 | uint32(mem[2])<<16 | uint32(mem[3])<<24; got != size {
			t.Errorf("struct_size %d rewritten as %d", size, got)
		}
		written := min(uintptr(size), sizeofStatus)
		for i := uintptr(4); i < uintptr(len(mem)); i++ {
			want := byte(0xa5)
			if i < written {
				want = 0x11
			}
			if mem[i] != want {
				t.Fatalf("struct_size %d: byte %d is %#x, want %#x", size, i, mem[i], want)
			}
		}
	}
	if _, err := writeOutPrefix(first - 8); status.CodeOf(err) != status.InvalidArgument {
		t.Errorf("a struct_size below the 2.0 layout: %v", err)
	}
}

// libp2pc_chain_config grew twice: ABI 2.1 (checkpoint sync, up to
// ws_checkpoint) and 2.2 (backfill_epochs, allow_stale_checkpoint,
// reserved1, custody_group_count, the execution engine's endpoint and JWT
// secret). A host of each release is read; a size between two releases
// would cut a field and is refused.
func TestChainConfigReleasedLayouts(t *testing.T) {
	full := structSizes()["libp2pc_chain_config"]
	l := chainConfigLayout
	if len(l.later) != 1 {
		t.Fatalf("released layouts after 2.0: %v, want the 2.1 one", l.later)
	}
	if unsafe.Sizeof(uintptr(0)) == 8 && (l.later[0] != 104 || full != 176) {
		t.Errorf("2.1 layout %d bytes, 2.2 %d; want 104 and 176 on 64-bit platforms", l.later[0], full)
	}
	for _, size := range []uintptr{l.first, l.later[0], full, full + 8} {
		if err := l.checkReleased("struct_size", size, full); err != nil {
			t.Errorf("struct_size %d: %v", size, err)
		}
	}
	if err := l.checkReleased("struct_size", l.later[0]+8, full); err == nil || !strings.Contains(err.Error(), "cut in two") {
		t.Errorf("a size inside the 2.2 fields: %v", err)
	}
}
