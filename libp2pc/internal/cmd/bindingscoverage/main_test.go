package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseHeaderFindsTheRealAPI(t *testing.T) {
	src, err := os.ReadFile("../../../../include/libp2pc.h")
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseHeader(src)
	if err != nil {
		t.Fatal(err)
	}
	// Functions from the first and last blocks of the header, one wrapped
	// over two lines, and the three implemented in C.
	for _, f := range []string{"libp2pc_abi_version", "libp2pc_node_publish", "libp2pc_node_chain_start",
		"libp2pc_last_error", "libp2pc_event_type_name", "libp2pc_peers_free"} {
		found := false
		for _, g := range h.Functions {
			found = found || g == f
		}
		if !found {
			t.Errorf("%s not parsed", f)
		}
	}
	if len(h.Events) < 23 || h.Events[0] != (EventKind{"LIBP2PC_EVENT_LISTENING", "listening", 1}) {
		t.Fatalf("events: %v", h.Events)
	}
}

func TestEmptyHeaderFails(t *testing.T) {
	if _, err := ParseHeader([]byte("/* nothing */\n#define LIBP2PC_OK 0\n")); err == nil {
		t.Fatal("a header without functions passed")
	}
	if _, err := ParseHeader([]byte("int libp2pc_init(uint32_t v);\n")); err == nil {
		t.Fatal("a header without event kinds passed")
	}
}

func TestCheckNamesWhatIsMissing(t *testing.T) {
	h, err := ParseHeader([]byte(`int libp2pc_node_dial(libp2pc_node node, const char *a, uint64_t *id);
void libp2pc_free(void *p);
typedef enum {
    LIBP2PC_EVENT_LISTENING = 1,
    LIBP2PC_EVENT_BLOCK_IMPORTED = 18
} t;
`))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("bindings/rust/libp2pc/src/lib.rs", "sys::libp2pc_node_dial(h); match t { sys::LIBP2PC_EVENT_LISTENING => 1 }\n// libp2pc_free_all is another name\n")
	write("bindings/erlang/c_src/nif.c", "libp2pc_node_dial(); libp2pc_free(p); LIBP2PC_EVENT_LISTENING; LIBP2PC_EVENT_BLOCK_IMPORTED;")
	write("bindings/erlang/src/libp2pc.erl", "-module(libp2pc).\n%% dial(H, A) in a comment does not count\n")
	write("bindings/elixir/lib/a.ex", "def dial(n, a), do: :ok\n@type t :: :listening | :block_imported\n")

	r, err := Check(root, bindings[0], h) // rust
	if err != nil {
		t.Fatal(err)
	}
	if len(r.MissingFuncs) != 1 || !strings.HasPrefix(r.MissingFuncs[0], "libp2pc_free ") {
		t.Errorf("rust missing funcs %v", r.MissingFuncs)
	}
	if len(r.MissingEvents) != 1 || !strings.HasPrefix(r.MissingEvents[0], "LIBP2PC_EVENT_BLOCK_IMPORTED ") {
		t.Errorf("rust missing events %v", r.MissingEvents)
	}
	r, _ = Check(root, bindings[2], h) // erlang: dial not defined in Erlang
	if len(r.MissingFuncs) != 1 || !strings.Contains(r.MissingFuncs[0], `no erlang function "dial"`) || len(r.MissingEvents) != 0 {
		t.Errorf("erlang: %v %v", r.MissingFuncs, r.MissingEvents)
	}
	r, _ = Check(root, bindings[3], h) // elixir: complete (libp2pc_free is the Erlang layer's)
	if len(r.MissingFuncs) != 0 || len(r.MissingEvents) != 0 {
		t.Errorf("elixir: %v %v", r.MissingFuncs, r.MissingEvents)
	}
	r, _ = Check(root, bindings[1], h) // zig: no sources at all
	if len(r.SourcesNotFound) != 1 || len(r.MissingFuncs) != 2 || len(r.MissingEvents) != 2 {
		t.Errorf("zig: %+v", r)
	}
	// The README section round-trips through splice.
	sec := ReadmeSection(h, r)
	readme := spliceReadme([]byte("# Zig\n"), sec)
	if !strings.Contains(string(spliceReadme(readme, sec)), sec) || strings.Count(string(spliceReadme(readme, sec)), "coverage:begin") != 1 {
		t.Error("splice does not replace the section")
	}
}
