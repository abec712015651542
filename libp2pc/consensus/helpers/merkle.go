package helpers

import "sort"

// IsValidMerkleBranch is is_valid_merkle_branch: leaf at position index of a
// tree of the given depth hashes up, through branch, to root.
func IsValidMerkleBranch(leaf [32]byte, branch [][32]byte, depth, index uint64, root [32]byte) bool {
	if uint64(len(branch)) < depth {
		return false
	}
	value := leaf
	for i := uint64(0); i < depth; i++ {
		if (index>>i)&1 == 1 {
			value = Hash(branch[i][:], value[:])
		} else {
			value = Hash(value[:], branch[i][:])
		}
	}
	return value == root
}

func sortUint64(s []uint64) { sort.Slice(s, func(i, j int) bool { return s[i] < s[j] }) }
