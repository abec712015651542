package store

import (
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// Reopening a store whose metadata cannot be read back fails with
// ErrCorrupt naming the key, instead of starting from a half-read value;
// the database is closed again (a second Open of the same directory works).
func TestReopenRejectsCorruptMetadata(t *testing.T) {
	for _, bad := range []struct {
		key   string
		value []byte
	}{
		{"head", []byte{1, 2, 3, 4, 5}},
		{"anchor", make([]byte, 33)},
		{"justified", make([]byte, 39)},
		{"finalized", nil},
	} {
		t.Run(bad.key, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Set(metaKey(bad.key), bad.value, pebble.Sync); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = Open(dir, Options{})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("reopen with a %d-byte %s: %v, want ErrCorrupt", len(bad.value), bad.key, err)
			}
			// The failed Open released the directory.
			db, err = pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
			if err != nil {
				t.Fatalf("the failed Open kept the database: %v", err)
			}
			db.Close()
		})
	}
}
