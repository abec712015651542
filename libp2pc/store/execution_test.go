package store

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// TestExecutionStatusSurvivesReopen: the execution status and block hash
// of imported blocks are written with them, SetExecution changes them in
// one synced batch, and both read back after a reopen; a record written
// before execution was tracked (153 bytes) still decodes, as unknown.
func TestExecutionStatusSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	anchor := Root{1}
	if err := s.InitAnchor(BlockInfo{Root: anchor}, []byte("header"), []byte("state"), 0); err != nil {
		t.Fatal(err)
	}
	a, b := Root{2}, Root{3}
	for i, r := range []Root{a, b} {
		parent := anchor
		if i == 1 {
			parent = a
		}
		info := BlockInfo{Root: r, Parent: parent, Slot: uint64(i + 1), Execution: ExecutionOptimistic, ExecutionHash: Root{0xee, byte(i)}}
		if err := s.ImportBlock(Import{Info: info, Block: []byte("block"), State: []byte("state")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetExecution([]Root{a}, ExecutionValid); err != nil {
		t.Fatal(err)
	}
	if err := s.SetExecution([]Root{b, {9}}, ExecutionInvalid); err != nil { // an unknown root is skipped
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	for r, want := range map[Root]ExecutionStatus{a: ExecutionValid, b: ExecutionInvalid} {
		info, ok := s.Info(r)
		if !ok || info.Execution != want || info.ExecutionHash[0] != 0xee {
			t.Errorf("%x after reopen: %v %x, want %v", r[:1], info.Execution, info.ExecutionHash[:2], want)
		}
	}
	s.Close()

	// An old 153-byte record.
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	old := encodeInfo(BlockInfo{Root: a, Parent: anchor, Slot: 1, Imported: true, HasState: true})[:infoLenV1]
	if err := db.Set(key(pInfo, a), old, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if info, ok := s.Info(a); !ok || !info.Imported || info.Execution != ExecutionUnknown {
		t.Fatalf("old record: %+v", info)
	}
}
