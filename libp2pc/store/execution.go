package store

import "fmt"

// ExecutionStatus is the verdict on an imported block's execution payload,
// kept with its BlockInfo so that optimistic and invalidated blocks stay so
// across a restart (consensus-specs sync/optimistic.md).
type ExecutionStatus uint8

const (
	// ExecutionUnknown: not recorded (a record written before execution
	// was tracked, or a block not imported).
	ExecutionUnknown ExecutionStatus = iota
	// ExecutionNone: the block has no execution payload (before
	// bellatrix, or a pre-merge bellatrix block).
	ExecutionNone
	// ExecutionNoEngine: the block has a payload and no execution client
	// is configured: only its consensus checks ran.
	ExecutionNoEngine
	// ExecutionValid: the execution client said VALID (of it or of a
	// descendant).
	ExecutionValid
	// ExecutionOptimistic: imported without a verdict (SYNCING, ACCEPTED,
	// or the execution client unreachable).
	ExecutionOptimistic
	// ExecutionInvalid: invalidated after its import (its payload or an
	// ancestor's was found INVALID); it is out of fork choice.
	ExecutionInvalid
)

var executionNames = [...]string{"unknown", "none", "no_engine", "valid", "optimistic", "invalid"}

func (e ExecutionStatus) String() string {
	if int(e) < len(executionNames) {
		return executionNames[e]
	}
	return fmt.Sprintf("execution(%d)", uint8(e))
}

// SetExecution records a new execution status for imported blocks, in one
// synced batch (a VALID or INVALID verdict must not be lost: an
// invalidated block must not come back as head after a crash). Unknown or
// not imported roots are skipped.
func (s *Store) SetExecution(roots []Root, status ExecutionStatus) error {
	if len(roots) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.db.NewBatch()
	var changed []*node
	for _, r := range roots {
		n, ok := s.tree[r]
		if !ok || !n.info.Imported || n.info.Execution == status {
			continue
		}
		info := n.info
		info.Execution = status
		b.Set(key(pInfo, r), encodeInfo(info), nil)
		changed = append(changed, n)
	}
	if len(changed) == 0 {
		return b.Close()
	}
	if err := b.Commit(s.wo); err != nil {
		return fmt.Errorf("store: execution status: %w", err)
	}
	for _, n := range changed {
		n.info.Execution = status
	}
	return nil
}
