package identity

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

func TestLoadOrCreateKeepsThePeerID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "node.key")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v mode %v", err, st.Mode())
	}
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	id1, _ := peer.IDFromPrivateKey(k1)
	id2, _ := peer.IDFromPrivateKey(k2)
	if id1 != id2 {
		t.Fatalf("peer id changed across loads: %s != %s", id1, id2)
	}
}

func TestCorruptKeyIsRejectedAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.key")
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreate(path)
	if status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("got %v, want InvalidArgument", err)
	}
	raw, _ := os.ReadFile(path)
	if string(raw) != "not a key\n" {
		t.Fatal("a corrupt key file must not be overwritten")
	}
}

func TestParseAcceptsPrefixedHex(t *testing.T) {
	k, _ := Generate()
	raw, _ := k.Raw()
	got, err := Parse([]byte("  0x"+hexOf(raw)+"\n"), "test")
	if err != nil || !got.Equals(k) {
		t.Fatalf("parse: %v", err)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// A classified error keeps its cause: the code for the ABI, and the
// operating system's error for errors.Is.
func TestErrorsKeepTheirCause(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	err = Save(filepath.Join(file, "key"), k) // a directory under a regular file
	if status.CodeOf(err) != status.IO || !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("save under a file: %v (code %v), want IO wrapping ENOTDIR", err, status.CodeOf(err))
	}
}
