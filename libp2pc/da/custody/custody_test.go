package custody

import (
	"math/big"
	"slices"
	"testing"
)

func idFromHex(t *testing.T, s string) NodeID {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 0)
	if !ok || n.Sign() < 0 || n.BitLen() > 256 {
		t.Fatalf("bad node id %q", s)
	}
	var id NodeID
	n.FillBytes(id[:])
	return id
}

// No official get_custody_groups / compute_columns_for_custody_group vectors
// are in ../shared/spec-tests (it holds phase0 and the altair..fulu state
// transition only). The expected values were computed from the spec's
// pseudo-code (das-core.md) transcribed in Python (hashlib.sha256 over
// current_id.to_bytes(32, 'little'), int.from_bytes(h[:8], 'little') % 128,
// wrap at 2**256); the ids are the edge cases of the spec's own
// test_get_custody_groups (0, 2**256-1, 2**256-2, 2**20) and arbitrary ones.
func TestGetCustodyGroupsFromSpecPseudoCode(t *testing.T) {
	cases := []struct {
		id   string
		cgc  uint64
		want []uint64
	}{
		{"0x0", 0, []uint64{}},
		{"0x0", 4, []uint64{1, 17, 87, 102}},
		{"0x0", 8, []uint64{1, 17, 19, 42, 75, 87, 102, 117}},
		{"0x1", 1, []uint64{1}},
		{"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 4, []uint64{1, 47, 87, 102}},
		{"0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe", 4, []uint64{1, 47, 87, 102}},
		{"0x100000", 16, []uint64{4, 25, 29, 30, 35, 37, 41, 47, 55, 65, 74, 86, 91, 95, 103, 118}},
		{"0x8000000000000000000000000000000000000000000000000000000000000000", 8, []uint64{5, 26, 79, 99, 100, 102, 104, 111}},
		{"0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 4, []uint64{80, 109, 114, 125}},
		{"0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64, []uint64{0, 2, 4, 7, 8, 10, 12, 13, 14, 15, 16, 18, 22, 26, 27, 30, 31, 32, 33, 34, 38, 40, 41, 43, 44, 45, 46, 47, 48, 51, 55, 56, 57, 59, 60, 61, 63, 64, 65, 67, 75, 80, 82, 84, 86, 87, 88, 89, 91, 95, 97, 98, 101, 102, 103, 109, 112, 114, 116, 118, 119, 125, 126, 127}},
	}
	for _, c := range cases {
		got, err := Mainnet.GetCustodyGroups(idFromHex(t, c.id), c.cgc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("get_custody_groups(%s, %d) = %v, want %v", c.id, c.cgc, got, c.want)
		}
	}
	all, err := Mainnet.GetCustodyGroups(idFromHex(t, "0x5"), 128)
	if err != nil || len(all) != 128 || all[0] != 0 || all[127] != 127 {
		t.Errorf("all groups: %v %v", all, err)
	}
	if _, err := Mainnet.GetCustodyGroups(NodeID{}, 129); err == nil {
		t.Error("129 groups accepted")
	}
}

// A larger count extends a smaller one: the walk over current_id is the same.
func TestCustodyGroupsNest(t *testing.T) {
	id := idFromHex(t, "0xabcdef")
	prev := []uint64{}
	for cgc := uint64(0); cgc <= 128; cgc++ {
		g, err := Mainnet.GetCustodyGroups(id, cgc)
		if err != nil {
			t.Fatal(err)
		}
		if uint64(len(g)) != cgc || !slices.IsSorted(g) {
			t.Fatalf("cgc %d: %v", cgc, g)
		}
		for _, x := range prev {
			if !slices.Contains(g, x) {
				t.Fatalf("cgc %d lost group %d of cgc %d", cgc, x, cgc-1)
			}
		}
		prev = g
	}
}

func TestColumnsAndSubnets(t *testing.T) {
	// NUMBER_OF_COLUMNS == NUMBER_OF_CUSTODY_GROUPS: group g is column g.
	for g := uint64(0); g < 128; g++ {
		cols, err := Mainnet.ComputeColumnsForCustodyGroup(g)
		if err != nil || !slices.Equal(cols, []uint64{g}) {
			t.Fatalf("group %d: %v %v", g, cols, err)
		}
	}
	if _, err := Mainnet.ComputeColumnsForCustodyGroup(128); err == nil {
		t.Error("group 128 accepted")
	}
	// A configuration with 2 columns per group: [NUMBER_OF_CUSTODY_GROUPS * i + g].
	p := Mainnet
	p.NumberOfCustodyGroups = 64
	cols, err := p.ComputeColumnsForCustodyGroup(5)
	if err != nil || !slices.Equal(cols, []uint64{5, 69}) {
		t.Errorf("64 groups, group 5: %v %v", cols, err)
	}
	p.DataColumnSidecarSubnetCount = 32
	if got := p.ColumnSubnets([]uint64{5, 69, 37, 100}); !slices.Equal(got, []uint64{4, 5}) {
		t.Errorf("subnets %v", got)
	}
	if s := Mainnet.ComputeSubnetForDataColumnSidecar(127); s != 127 {
		t.Errorf("subnet of column 127 = %d", s)
	}

	id := idFromHex(t, "0x0")
	custody, _ := Mainnet.CustodyColumns(id, 4)
	sampling, _ := Mainnet.SamplingColumns(id, 4)
	if !slices.Equal(custody, []uint64{1, 17, 87, 102}) || !slices.Equal(sampling, []uint64{1, 17, 19, 42, 75, 87, 102, 117}) {
		t.Errorf("custody %v sampling %v", custody, sampling)
	}
	super, _ := Mainnet.SamplingColumns(id, 128)
	if len(super) != 128 {
		t.Errorf("supernode samples %d columns", len(super))
	}
	bad := Mainnet
	bad.NumberOfColumns = 100
	if _, err := bad.CustodyColumns(id, 4); err == nil {
		t.Error("NUMBER_OF_COLUMNS not a multiple of the groups accepted")
	}
}
