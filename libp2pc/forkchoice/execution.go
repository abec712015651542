package forkchoice

import "sort"

// PayloadStatus is what the fork choice knows of a block's execution
// payload (consensus-specs sync/optimistic.md). The zero value is valid: a
// block without a payload (before the merge) is as valid as its consensus
// checks, and a store that never hears of execution behaves as before.
type PayloadStatus uint8

const (
	// PayloadValid: the execution client said VALID, or the block has no
	// payload, or no execution client is used.
	PayloadValid PayloadStatus = iota
	// PayloadOptimistic: imported without a verdict (SYNCING, ACCEPTED,
	// execution client unreachable). It may be head; a later VALID of it
	// or of a descendant makes it valid, an INVALID removes it.
	PayloadOptimistic
	// PayloadInvalid: the payload, or an ancestor's, is INVALID. The block
	// and its descendants are never head and no block is added on them.
	PayloadInvalid
)

var payloadStatusNames = [...]string{"valid", "optimistic", "invalid"}

func (p PayloadStatus) String() string {
	if int(p) < len(payloadStatusNames) {
		return payloadStatusNames[p]
	}
	return "unknown"
}

// Execution returns the payload status and execution block hash of a known
// block.
func (s *Store) Execution(root Root) (PayloadStatus, Root, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.indices[root]
	if !ok {
		return 0, Root{}, false
	}
	return s.nodes[i].exec, s.nodes[i].blockHash, true
}

// SetValid records a VALID verdict for root: the block and every
// optimistic ancestor become valid (a valid payload implies valid
// ancestors). It returns the roots that changed, oldest first. An invalid
// block stays invalid (the verdict came too late to matter).
func (s *Store) SetValid(root Root) []Root {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.indices[root]
	if !ok {
		return nil
	}
	if s.nodes[i].exec == PayloadInvalid {
		return nil
	}
	var changed []Root
	for first := true; i >= 0; i, first = s.nodes[i].parent, false {
		nd := &s.nodes[i]
		if nd.exec != PayloadOptimistic {
			if first {
				continue // root itself valid already: its ancestors may not be
			}
			break // a valid block's ancestors are valid already
		}
		nd.exec = PayloadValid
		changed = append(changed, nd.root)
	}
	for l, r := 0, len(changed)-1; l < r; l, r = l+1, r-1 {
		changed[l], changed[r] = changed[r], changed[l]
	}
	return changed
}

// Invalidate applies an INVALID verdict on root's payload with the
// execution client's latestValidHash (sync/optimistic.md, "How to apply
// latestValidHash when payload status is INVALID"):
//
//   - lvh nil (the execution client could not tell): root alone (with its
//     descendants) is invalid;
//   - lvh names an ancestor's block hash: every optimistic block after that
//     ancestor on root's chain is invalid too;
//   - lvh is the zero hash: every optimistic ancestor is invalid (the chain
//     is invalid down to the merge);
//   - lvh names no ancestor: root alone, as for nil.
//
// root may be unknown to the store (a block being imported whose own
// payload is INVALID): then parent is where the walk starts. Every
// invalidated block's descendants are invalidated with it. It returns the
// roots that became invalid (known to the store), parents before
// children.
func (s *Store) Invalidate(root, parent Root, lvh *Root) []Root {
	s.mu.Lock()
	defer s.mu.Unlock()
	start, known := s.indices[root]
	var from []int // the highest invalid blocks
	if known {
		from = append(from, start)
	}
	if lvh != nil {
		// Walk up from the block (or from its parent when it is not in the
		// store) over optimistic ancestors.
		i, ok := s.indices[parent]
		if known {
			i, ok = s.nodes[start].parent, s.nodes[start].parent >= 0
		}
		var chain []int
		found := *lvh == (Root{})
		for ok && i >= 0 {
			nd := &s.nodes[i]
			if *lvh != (Root{}) && nd.blockHash == *lvh {
				found = true
				break
			}
			if nd.exec != PayloadOptimistic {
				break
			}
			chain = append(chain, i)
			i = nd.parent
		}
		if found {
			from = append(from, chain...)
		}
	}
	if len(from) == 0 {
		return nil
	}
	// Mark the subtrees: children follow parents in the array, so one
	// forward pass from the lowest index covers every descendant.
	lowest := from[0]
	bad := make(map[int]bool, len(from))
	for _, i := range from {
		bad[i] = true
		lowest = min(lowest, i)
	}
	var out []Root
	for i := lowest; i < len(s.nodes); i++ {
		nd := &s.nodes[i]
		if !bad[i] && (nd.parent < 0 || !bad[nd.parent]) {
			continue
		}
		bad[i] = true
		if nd.exec != PayloadInvalid {
			nd.exec = PayloadInvalid
			out = append(out, nd.root)
		}
	}
	return out
}

// Optimistic returns the optimistic blocks, in slot order (parents first).
func (s *Store) Optimistic() []Root {
	s.mu.Lock()
	defer s.mu.Unlock()
	type rs struct {
		root Root
		slot uint64
	}
	var list []rs
	for _, nd := range s.nodes {
		if nd.exec == PayloadOptimistic {
			list = append(list, rs{nd.root, nd.slot})
		}
	}
	sort.SliceStable(list, func(a, b int) bool { return list[a].slot < list[b].slot })
	out := make([]Root, len(list))
	for i, r := range list {
		out[i] = r.root
	}
	return out
}
