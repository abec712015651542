package discovery

import (
	"encoding/hex"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/p2p/enode"
)

func mustID(t *testing.T, s string) enode.ID {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad id %q", s)
	}
	var id enode.ID
	copy(id[:], b)
	return id
}

// The expected values were computed with an independent Python transcription
// of das-core.md get_custody_groups (hashlib.sha256 over
// int.to_bytes(32, 'little'), int.from_bytes(h[:8], 'little') % 128); the
// node ids are the edge cases of consensus-specs'
// test_get_custody_groups.py (0, 2**256-1, 2**256-2, 1048576) plus arbitrary
// ones. (2**256-2, 4) = [1, 47, 87, 102] and (1048576, 16) also appear in
// another client's test suite.
func TestGetCustodyGroupsValues(t *testing.T) {
	cases := []struct {
		id   string
		cgc  uint64
		want []uint64
	}{
		{"0000000000000000000000000000000000000000000000000000000000000000", 0, []uint64{}},
		{"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0, []uint64{}},
		{"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 4, []uint64{1, 47, 87, 102}},
		{"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe", 4, []uint64{1, 47, 87, 102}},
		{"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe", 8, []uint64{1, 17, 19, 42, 47, 75, 87, 102}},
		{"0000000000000000000000000000000000000000000000000000000000100000", 1, []uint64{65}},
		{"0000000000000000000000000000000000000000000000000000000000100000", 16, []uint64{4, 25, 29, 30, 35, 37, 41, 47, 55, 65, 74, 86, 91, 95, 103, 118}},
		{"a5b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00", 4, []uint64{72, 102, 111, 118}},
		{"a5b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00", 16, []uint64{22, 24, 30, 32, 33, 72, 93, 94, 97, 102, 111, 118, 119, 124, 125, 126}},
		{"0000000000000000000000000000000000000000000000000000000000000001", 8, []uint64{1, 6, 17, 19, 42, 75, 87, 117}},
	}
	p := MainnetCustody
	for _, c := range cases {
		got, err := p.GetCustodyGroups(mustID(t, c.id), c.cgc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("get_custody_groups(%s, %d) = %v, want %v", c.id, c.cgc, got, c.want)
		}
	}
	// 2**256-1 with 127 groups wraps current_id to 0 and misses only 90.
	got, err := p.GetCustodyGroups(mustID(t, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), 127)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 127 || slices.Contains(got, 90) {
		t.Errorf("max id, 127 groups: %v", got)
	}
}

// Properties stated or implied by the spec: sorted, distinct, exactly cgc
// groups below NUMBER_OF_CUSTODY_GROUPS, all groups at the maximum, and a
// larger count extends a smaller one (the walk over current_id is the same).
func TestGetCustodyGroupsProperties(t *testing.T) {
	p := MainnetCustody
	ids := []enode.ID{{}, mustID(t, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")}
	for i := range 20 {
		var id enode.ID
		for j := range id {
			id[j] = byte(i*31 + j*7 + 3)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		var prev []uint64
		for cgc := uint64(0); cgc <= p.NumberOfCustodyGroups; cgc++ {
			g, err := p.GetCustodyGroups(id, cgc)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(len(g)) != cgc || !slices.IsSorted(g) || len(slices.Compact(slices.Clone(g))) != len(g) {
				t.Fatalf("id %x cgc %d: bad result %v", id[:4], cgc, g)
			}
			for _, x := range g {
				if x >= p.NumberOfCustodyGroups {
					t.Fatalf("group %d out of range", x)
				}
			}
			for _, x := range prev {
				if _, ok := slices.BinarySearch(g, x); !ok {
					t.Fatalf("id %x: groups for %d not a superset of %d", id[:4], cgc, cgc-1)
				}
			}
			prev = g
		}
	}
	if _, err := p.GetCustodyGroups(enode.ID{}, 129); err == nil {
		t.Fatal("cgc > NUMBER_OF_CUSTODY_GROUPS accepted")
	}
}

func TestColumnsAndSubnets(t *testing.T) {
	p := MainnetCustody
	// With 128 columns and 128 groups every group holds exactly its own
	// column; the groups partition the columns.
	seen := map[uint64]bool{}
	for g := uint64(0); g < p.NumberOfCustodyGroups; g++ {
		cols, err := p.ComputeColumnsForCustodyGroup(g)
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) != 1 || cols[0] != g {
			t.Fatalf("group %d: columns %v", g, cols)
		}
		seen[cols[0]] = true
	}
	if len(seen) != 128 {
		t.Fatal("columns not partitioned")
	}
	if _, err := p.ComputeColumnsForCustodyGroup(128); err == nil {
		t.Fatal("group 128 accepted")
	}
	// A smaller number of groups: NUMBER_OF_CUSTODY_GROUPS * i + group.
	q := CustodyParams{NumberOfColumns: 128, NumberOfCustodyGroups: 32, CustodyRequirement: 4, DataColumnSidecarSubnetCount: 64}
	cols, _ := q.ComputeColumnsForCustodyGroup(5)
	if !slices.Equal(cols, []uint64{5, 37, 69, 101}) {
		t.Fatalf("columns %v", cols)
	}
	if q.ComputeSubnetForDataColumnSidecar(101) != 37 {
		t.Fatal("subnet = column % DATA_COLUMN_SIDECAR_SUBNET_COUNT")
	}

	id := mustID(t, "a5b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00")
	sub, err := p.DataColumnSubnets(id, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub, []uint64{72, 102, 111, 118}) {
		t.Fatalf("subnets %v", sub)
	}
	all, _ := p.DataColumnSubnets(id, 128)
	if len(all) != 128 {
		t.Fatalf("supernode serves %d subnets", len(all))
	}
	// No cgc entry: CUSTODY_REQUIREMENT.
	if p.PeerCustodyGroupCount(Fields{}) != 4 || p.PeerCustodyGroupCount(Fields{HasCGC: true}) != 0 {
		t.Fatal("PeerCustodyGroupCount")
	}
	if !p.ServesSubnet(id, Fields{}, DataColumnSubnet, 102) || p.ServesSubnet(id, Fields{}, DataColumnSubnet, 103) {
		t.Fatal("ServesSubnet with default custody")
	}
	if p.ServesSubnet(id, Fields{HasCGC: true, CustodyGroupCount: 200}, DataColumnSubnet, 102) {
		t.Fatal("out-of-range cgc served a subnet")
	}
}
