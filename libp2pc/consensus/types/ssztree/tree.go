// Package ssztree keeps the Merkle tree of an SSZ vector or list between
// two hashes, so that re-hashing after a few changed chunks costs
// O(changes × depth) hashes instead of O(length). It only ever compares
// the new leaves with the ones it saw last, so it is correct whatever it is
// given; reuse across similar inputs is what makes it fast.
package ssztree

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
)

// ZeroHashes[i] is the root of a depth-i tree of zero chunks.
var ZeroHashes = func() (z [65][32]byte) {
	for i := 1; i < len(z); i++ {
		z[i] = hash(z[i-1], z[i-1])
	}
	return z
}()

func hash(a, b [32]byte) [32]byte {
	var buf [64]byte
	copy(buf[:32], a[:])
	copy(buf[32:], b[:])
	return sha256.Sum256(buf[:])
}

// Depth returns the depth of the tree holding limit chunks
// (ceil(log2(limit)), 0 for a limit of 0 or 1).
func Depth(limit uint64) int {
	if limit <= 1 {
		return 0
	}
	return bits.Len64(limit - 1)
}

// Tree is the cached Merkle tree of up to 2^depth chunks. Not safe for
// concurrent use.
type Tree struct {
	depth int
	// levels[0] are the leaves last hashed, levels[h] the nodes at height h
	// that cover at least one leaf; the last level has a single node.
	levels [][][32]byte
}

// New returns an empty tree for up to limit chunks.
func New(limit uint64) *Tree { return &Tree{depth: Depth(limit)} }

// Root returns the Merkle root of leaves, padded with zero chunks to the
// tree's capacity. len(leaves) must not exceed that capacity.
func (t *Tree) Root(leaves [][32]byte) [32]byte {
	n := len(leaves)
	if n == 0 {
		t.levels = nil
		return ZeroHashes[t.depth]
	}
	var dirty []int
	if len(t.levels) == 0 || n < len(t.levels[0]) {
		// First use, or the list shrank: rebuild.
		t.levels = [][][32]byte{append([][32]byte(nil), leaves...)}
		dirty = make([]int, n)
		for i := range dirty {
			dirty[i] = i
		}
	} else {
		old := t.levels[0]
		for i := range leaves {
			if i >= len(old) || old[i] != leaves[i] {
				dirty = append(dirty, i)
			}
		}
		if n > len(old) {
			t.levels[0] = append(old, leaves[len(old):]...)
		}
		for _, i := range dirty {
			t.levels[0][i] = leaves[i]
		}
	}
	for h := 0; len(t.levels[h]) > 1; h++ {
		count := len(t.levels[h])
		parents := (count + 1) / 2
		if len(t.levels) == h+1 {
			t.levels = append(t.levels, make([][32]byte, parents))
		} else if len(t.levels[h+1]) < parents {
			t.levels[h+1] = append(t.levels[h+1], make([][32]byte, parents-len(t.levels[h+1]))...)
		}
		var next []int
		for _, d := range dirty {
			p := d / 2
			if len(next) > 0 && next[len(next)-1] == p {
				continue
			}
			next = append(next, p)
			right := ZeroHashes[h]
			if 2*p+1 < count {
				right = t.levels[h][2*p+1]
			}
			t.levels[h+1][p] = hash(t.levels[h][2*p], right)
		}
		dirty = next
	}
	top := len(t.levels) - 1
	t.levels = t.levels[:top+1] // drop levels left over from a larger list
	root := t.levels[top][0]
	for h := top; h < t.depth; h++ {
		root = hash(root, ZeroHashes[h])
	}
	return root
}

// MixInLength is the list root: hash(root, uint256(length)).
func MixInLength(root [32]byte, length uint64) [32]byte {
	var l [32]byte
	binary.LittleEndian.PutUint64(l[:8], length)
	return hash(root, l)
}

// Uint64Chunk is the chunk of a basic uint64 value.
func Uint64Chunk(v uint64) [32]byte {
	var c [32]byte
	binary.LittleEndian.PutUint64(c[:8], v)
	return c
}

// PackUint64s packs uint64 values four to a chunk, as SSZ does for vectors
// and lists of uint64; dst is reused when large enough.
func PackUint64s(dst [][32]byte, values []uint64) [][32]byte {
	n := (len(values) + 3) / 4
	if cap(dst) < n {
		dst = make([][32]byte, n)
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = [32]byte{}
	}
	for i, v := range values {
		binary.LittleEndian.PutUint64(dst[i/4][(i%4)*8:], v)
	}
	return dst
}
