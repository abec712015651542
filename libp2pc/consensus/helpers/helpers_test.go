package helpers

import (
	"crypto/sha256"
	"testing"
)

// The whole-list shuffle must agree with compute_shuffled_index everywhere,
// and be a permutation.
func TestShufflePermutationMatchesShuffledIndex(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 10, 255, 256, 257, 1000} {
		seed := sha256.Sum256([]byte{byte(n), byte(n >> 8)})
		perm := ShufflePermutation(n, seed)
		seen := make([]bool, n)
		for i := uint64(0); i < n; i++ {
			want, err := ComputeShuffledIndex(i, n, seed)
			if err != nil {
				t.Fatal(err)
			}
			if perm[i] != want {
				t.Fatalf("n=%d: perm[%d]=%d, compute_shuffled_index=%d", n, i, perm[i], want)
			}
			if seen[want] {
				t.Fatalf("n=%d: %d appears twice", n, want)
			}
			seen[want] = true
		}
	}
}

// The per-seed shuffler (pivots hashed once) must agree with
// compute_shuffled_index for every index, across list sizes that cross
// the 256-position source blocks.
func TestIndexShufflerMatchesShuffledIndex(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 255, 256, 257, 1000, 65536} {
		seed := sha256.Sum256([]byte{byte(n), byte(n >> 8), byte(n >> 16), 7})
		sh := newIndexShuffler(n, seed)
		step := max(1, n/997) // every index for the small lists, ~1,000 of the large one
		for i := uint64(0); i < n; i += step {
			want, err := ComputeShuffledIndex(i, n, seed)
			if err != nil {
				t.Fatal(err)
			}
			if got := sh.shuffled(i); got != want {
				t.Fatalf("n=%d: shuffled(%d)=%d, compute_shuffled_index=%d", n, i, got, want)
			}
		}
	}
}

func TestComputeShuffledIndexRejectsOutOfRange(t *testing.T) {
	if _, err := ComputeShuffledIndex(5, 5, [32]byte{}); err == nil {
		t.Fatal("index == count must be an error")
	}
}

func TestComputeCommitteePartitions(t *testing.T) {
	indices := make([]uint64, 100)
	for i := range indices {
		indices[i] = uint64(1000 + i)
	}
	seed := sha256.Sum256([]byte("committees"))
	seen := map[uint64]bool{}
	for c := uint64(0); c < 7; c++ {
		members, err := ComputeCommittee(indices, seed, c, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if seen[m] {
				t.Fatalf("validator %d in two committees", m)
			}
			seen[m] = true
		}
	}
	if len(seen) != len(indices) {
		t.Fatalf("committees cover %d of %d validators", len(seen), len(indices))
	}
	if _, err := ComputeCommittee(indices, seed, 7, 7); err == nil {
		t.Fatal("committee index == count must be an error")
	}
}

// Build a depth-3 tree by hand and check every leaf's branch.
func TestIsValidMerkleBranch(t *testing.T) {
	var leaves [8][32]byte
	for i := range leaves {
		leaves[i] = sha256.Sum256([]byte{byte(i)})
	}
	levels := [][][32]byte{leaves[:]}
	for len(levels[len(levels)-1]) > 1 {
		prev := levels[len(levels)-1]
		var next [][32]byte
		for i := 0; i < len(prev); i += 2 {
			next = append(next, Hash(prev[i][:], prev[i+1][:]))
		}
		levels = append(levels, next)
	}
	root := levels[3][0]
	for idx := uint64(0); idx < 8; idx++ {
		var branch [][32]byte
		for d := 0; d < 3; d++ {
			branch = append(branch, levels[d][(idx>>d)^1])
		}
		if !IsValidMerkleBranch(leaves[idx], branch, 3, idx, root) {
			t.Fatalf("valid branch for leaf %d rejected", idx)
		}
		if IsValidMerkleBranch(leaves[idx], branch, 3, idx^1, root) {
			t.Fatalf("branch for leaf %d accepted at the wrong index", idx)
		}
	}
	if IsValidMerkleBranch(leaves[0], nil, 3, 0, root) {
		t.Fatal("short branch accepted")
	}
}

func TestComputeDomainLayout(t *testing.T) {
	d, err := ComputeDomain([4]byte{3, 0, 0, 0}, [4]byte{0, 0, 0, 1}, [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := ComputeForkDataRoot([4]byte{0, 0, 0, 1}, [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if [4]byte(d[:4]) != [4]byte{3, 0, 0, 0} || [28]byte(d[4:]) != [28]byte(root[:28]) {
		t.Fatalf("domain %x is not domain_type || fork_data_root[:28]", d)
	}
}

func TestBitlistLen(t *testing.T) {
	for _, c := range []struct {
		bits []byte
		n    uint64
	}{{[]byte{0x01}, 0}, {[]byte{0x10}, 4}, {[]byte{0xff, 0x01}, 8}, {[]byte{0x00, 0x80}, 15}} {
		n, err := BitlistLen(c.bits)
		if err != nil || n != c.n {
			t.Errorf("BitlistLen(%x) = %d, %v; want %d", c.bits, n, err, c.n)
		}
	}
	if _, err := BitlistLen([]byte{0x01, 0x00}); err == nil {
		t.Error("bitlist without delimiter accepted")
	}
}
