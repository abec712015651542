package sidecar

import (
	"crypto/sha256"
	"encoding/binary"
)

func hash(a, b [32]byte) [32]byte {
	var buf [64]byte
	copy(buf[:32], a[:])
	copy(buf[32:], b[:])
	return sha256.Sum256(buf[:])
}

// zeroHashes[d] is the root of a depth-d tree of zero chunks.
var zeroHashes = func() (z [commitmentsDataDepth + 2][32]byte) {
	for d := 1; d < len(z); d++ {
		z[d] = hash(z[d-1], z[d-1])
	}
	return z
}()

func lengthChunk(n uint64) (c [32]byte) {
	binary.LittleEndian.PutUint64(c[:8], n)
	return c
}

func mixInLength(root [32]byte, n uint64) [32]byte { return hash(root, lengthChunk(n)) }

// merkleRoot of a power-of-two number of leaves.
func merkleRoot(leaves [][32]byte) [32]byte {
	layer := append([][32]byte(nil), leaves...)
	for len(layer) > 1 {
		next := layer[:len(layer)/2]
		for i := range next {
			next[i] = hash(layer[2*i], layer[2*i+1])
		}
		layer = next
	}
	return layer[0]
}

// sparseLayers hashes the given leaves of a depth-deep tree whose other
// leaves are zero, level by level; a missing right sibling is the zero
// subtree of that level.
func sparseLayers(leaves [][32]byte, depth int) [][][32]byte {
	layers := [][][32]byte{leaves}
	cur := leaves
	for d := 0; d < depth; d++ {
		next := make([][32]byte, (len(cur)+1)/2)
		for i := range next {
			right := zeroHashes[d]
			if 2*i+1 < len(cur) {
				right = cur[2*i+1]
			}
			next[i] = hash(cur[2*i], right)
		}
		if len(next) == 0 {
			next = [][32]byte{zeroHashes[d+1]}
		}
		layers = append(layers, next)
		cur = next
	}
	return layers
}

func sparseRoot(leaves [][32]byte, depth int) [32]byte {
	if len(leaves) == 0 {
		return zeroHashes[depth]
	}
	l := sparseLayers(leaves, depth)
	return l[depth][0]
}

// sparseBranch is the Merkle branch (leaf level first) of leaf index.
func sparseBranch(leaves [][32]byte, depth, index int) [][32]byte {
	layers := sparseLayers(leaves, depth)
	out := make([][32]byte, depth)
	for d := 0; d < depth; d++ {
		sib := index>>d ^ 1
		if sib < len(layers[d]) {
			out[d] = layers[d][sib]
		} else {
			out[d] = zeroHashes[d]
		}
	}
	return out
}

// branch of leaf index in a full tree of 2**depth leaves.
func branch(leaves [][32]byte, depth, index int) [][32]byte {
	return sparseBranch(leaves, depth, index)
}
