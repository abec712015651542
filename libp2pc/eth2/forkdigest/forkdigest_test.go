package forkdigest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	if len(s) > 1 && s[:2] == "0x" {
		s = s[2:]
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// forkDataRoot is hash_tree_root(ForkData) written out from the SSZ rules:
// two 32-byte chunks (the version right-padded, the root) hashed together.
func forkDataRoot(version [4]byte, gvr [32]byte) [32]byte {
	var buf [64]byte
	copy(buf[:4], version[:])
	copy(buf[32:], gvr[:])
	return sha256.Sum256(buf[:])
}

func TestComputeForkDigestMatchesSSZ(t *testing.T) {
	for _, v := range [][4]byte{{0, 0, 0, 0}, {1, 0, 0, 0}, {5, 0, 0, 0}, {0x90, 0, 0, 0x69}} {
		for _, g := range [][32]byte{{}, {1, 2, 3}, {31: 0xff}} {
			got, err := ComputeForkDigest(v, g)
			if err != nil {
				t.Fatal(err)
			}
			want := forkDataRoot(v, g)
			if got != Digest(want[:4]) {
				t.Fatalf("version %x: got %s want %x", v, got, want[:4])
			}
		}
	}
}

// Mainnet digests, as used in the topics of the live network.
func TestMainnetDigests(t *testing.T) {
	gvr := [32]byte(mustHex(t, "4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"))
	for _, c := range []struct {
		version [4]byte
		want    string
	}{
		{[4]byte{0, 0, 0, 0}, "b5303f2a"},
		{[4]byte{1, 0, 0, 0}, "afcaaba0"},
		{[4]byte{2, 0, 0, 0}, "4a26c58b"},
		{[4]byte{3, 0, 0, 0}, "bba4da96"},
		{[4]byte{4, 0, 0, 0}, "6a95a1a9"},
	} {
		d, err := ComputeForkDigest(c.version, gvr)
		if err != nil {
			t.Fatal(err)
		}
		if d.String() != c.want {
			t.Errorf("version %x: got %s want %s", c.version, d, c.want)
		}
	}
}

// The vectors of consensus-specs
// tests/.../fulu/validator/test_compute_fork_digest.py (FULU_FORK_EPOCH 0,
// the BLOB_SCHEDULE below, compute_fork_version overridden per case).
func TestFuluSpecVectors(t *testing.T) {
	blob := []BlobParameters{{Epoch: 9, MaxBlobsPerBlock: 9}, {Epoch: 100, MaxBlobsPerBlock: 100}, {Epoch: 150, MaxBlobsPerBlock: 175}, {Epoch: 200, MaxBlobsPerBlock: 200}, {Epoch: 250, MaxBlobsPerBlock: 275}, {Epoch: 300, MaxBlobsPerBlock: 300}}
	z, one, two, three := [32]byte{}, fill(1), fill(2), fill(3)
	cases := []struct {
		epoch   uint64
		version string
		gvr     [32]byte
		want    string
	}{
		{9, "06000000", z, "ab3ae6c8"}, {10, "06000000", z, "ab3ae6c8"}, {11, "06000000", z, "ab3ae6c8"},
		{99, "06000000", z, "ab3ae6c8"}, {100, "06000000", z, "df67557b"}, {101, "06000000", z, "df67557b"},
		{150, "06000000", z, "8ab38b59"}, {199, "06000000", z, "8ab38b59"}, {200, "06000000", z, "d9b81438"},
		{201, "06000000", z, "d9b81438"}, {250, "06000000", z, "4ef32a62"}, {299, "06000000", z, "4ef32a62"},
		{300, "06000000", z, "ca100d64"}, {301, "06000000", z, "ca100d64"},
		{9, "06000000", one, "89671111"}, {9, "06000000", two, "f49b0e24"}, {9, "06000000", three, "86544e4f"},
		{100, "06000000", one, "fd3aa2a2"}, {100, "06000000", two, "80c6bd97"}, {100, "06000000", three, "f209fdfc"},
		{9, "06000001", z, "30f8c25b"}, {9, "07000000", z, "0432f5a9"}, {9, "07000001", z, "6e69a671"},
		{100, "06000001", z, "44a571e8"}, {100, "07000000", z, "706f461a"}, {100, "07000001", z, "1a3415c2"},
	}
	for _, c := range cases {
		v := [4]byte(mustHex(t, c.version))
		s := &Schedule{
			GenesisValidatorsRoot: c.gvr,
			Forks:                 []ForkEntry{{eth2.Phase0, v, 0}, {eth2.Fulu, v, 0}},
			BlobSchedule:          blob,
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		d, err := s.Digest(c.epoch)
		if err != nil {
			t.Fatal(err)
		}
		if d.String() != c.want {
			t.Errorf("epoch %d version %s gvr %x: got %s want %s", c.epoch, c.version, c.gvr[0], d, c.want)
		}
		// The same through the direct helper and an independent XOR.
		p := s.BlobParameters(c.epoch)
		d2, _ := ComputeFuluForkDigest(v, c.gvr, p)
		root := forkDataRoot(v, c.gvr)
		var le [16]byte
		for i := 0; i < 8; i++ {
			le[i] = byte(p.Epoch >> (8 * i))
			le[8+i] = byte(p.MaxBlobsPerBlock >> (8 * i))
		}
		h := sha256.Sum256(le[:])
		want := Digest{root[0] ^ h[0], root[1] ^ h[1], root[2] ^ h[2], root[3] ^ h[3]}
		if d2 != d || d2 != want {
			t.Errorf("epoch %d: helper %s, independent %s, schedule %s", c.epoch, d2, want, d)
		}
	}
}

func fill(b byte) (r [32]byte) {
	for i := range r {
		r[i] = b
	}
	return r
}

func TestGetBlobParametersFallback(t *testing.T) {
	s := &Schedule{
		Forks:                   []ForkEntry{{eth2.Phase0, [4]byte{}, 0}, {eth2.Electra, [4]byte{5}, 10}, {eth2.Fulu, [4]byte{6}, 20}},
		BlobSchedule:            []BlobParameters{{Epoch: 30, MaxBlobsPerBlock: 15}, {Epoch: 25, MaxBlobsPerBlock: 12}}, // unsorted on purpose
		MaxBlobsPerBlockElectra: 9,
	}
	for _, c := range []struct {
		epoch uint64
		want  BlobParameters
	}{{0, BlobParameters{Epoch: 10, MaxBlobsPerBlock: 9}}, {24, BlobParameters{Epoch: 10, MaxBlobsPerBlock: 9}}, {25, BlobParameters{Epoch: 25, MaxBlobsPerBlock: 12}}, {29, BlobParameters{Epoch: 25, MaxBlobsPerBlock: 12}}, {30, BlobParameters{Epoch: 30, MaxBlobsPerBlock: 15}}, {1 << 40, BlobParameters{Epoch: 30, MaxBlobsPerBlock: 15}}} {
		if got := s.BlobParameters(c.epoch); got != c.want {
			t.Errorf("epoch %d: got %+v want %+v", c.epoch, got, c.want)
		}
	}
	// Before Fulu the plain digest is used; at Fulu the masked one with the
	// Electra fallback parameters.
	d19, _ := s.Digest(19)
	want19, _ := ComputeForkDigest([4]byte{5}, [32]byte{})
	d20, _ := s.Digest(20)
	want20, _ := ComputeFuluForkDigest([4]byte{6}, [32]byte{}, BlobParameters{Epoch: 10, MaxBlobsPerBlock: 9})
	if d19 != want19 || d20 != want20 {
		t.Fatalf("digests %s %s, want %s %s", d19, d20, want19, want20)
	}
}

func TestMainnetConfigSchedule(t *testing.T) {
	data, err := os.ReadFile("testdata/mainnet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The current spec config gives SLOT_DURATION_MS, not SECONDS_PER_SLOT.
	cfg, err := config.ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	blob := cfg.BlobSchedule
	if len(blob) != 2 || blob[0] != (BlobParameters{Epoch: 412672, MaxBlobsPerBlock: 15}) || blob[1] != (BlobParameters{Epoch: 419072, MaxBlobsPerBlock: 21}) {
		t.Fatalf("BLOB_SCHEDULE: %+v", blob)
	}
	gvr := [32]byte(mustHex(t, "4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"))
	s, err := NewSchedule(cfg, gvr)
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxBlobsPerBlockElectra != 9 || len(s.Forks) != 7 {
		t.Fatalf("schedule: %+v", s)
	}
	const fulu, bpo1, bpo2 = 411392, 412672, 419072
	d0, _ := s.Digest(0)
	if d0.String() != "b5303f2a" {
		t.Fatalf("genesis digest %s", d0)
	}
	// Electra -> Fulu: a regular fork.
	e, _ := s.ENRForkID(fulu - 1)
	if e.NextForkVersion != [4]byte{6} || e.NextForkEpoch != fulu {
		t.Fatalf("ENRForkID before Fulu: %+v", e)
	}
	// Fulu -> BPO1: same version, BPO epoch, nfd is the BPO1 digest.
	e, _ = s.ENRForkID(fulu)
	if e.NextForkVersion != [4]byte{6} || e.NextForkEpoch != bpo1 {
		t.Fatalf("ENRForkID at Fulu: %+v", e)
	}
	dFulu, _ := s.Digest(fulu)
	wantFulu, _ := ComputeFuluForkDigest([4]byte{6}, gvr, BlobParameters{Epoch: 364032, MaxBlobsPerBlock: 9})
	if e.ForkDigest != dFulu || dFulu != wantFulu {
		t.Fatalf("Fulu digest %s want %s", dFulu, wantFulu)
	}
	nfd, _ := s.NextForkDigest(fulu)
	wantNfd, _ := ComputeFuluForkDigest([4]byte{6}, gvr, BlobParameters{Epoch: bpo1, MaxBlobsPerBlock: 15})
	if nfd != wantNfd {
		t.Fatalf("nfd at Fulu %s want %s", nfd, wantNfd)
	}
	// After the last BPO: nothing planned.
	e, _ = s.ENRForkID(bpo2)
	nfd, _ = s.NextForkDigest(bpo2)
	if e.NextForkVersion != [4]byte{6} || e.NextForkEpoch != config.FarFutureEpoch || nfd != (Digest{}) {
		t.Fatalf("after BPO2: %+v nfd %s", e, nfd)
	}
}

func TestENRForkIDSSZ(t *testing.T) {
	e := ENRForkID{ForkDigest: Digest{1, 2, 3, 4}, NextForkVersion: [4]byte{5, 6, 7, 8}, NextForkEpoch: 0x0102030405060708}
	b := e.MarshalSSZ()
	if hex.EncodeToString(b) != "01020304"+"05060708"+"0807060504030201" {
		t.Fatalf("encoding %x", b)
	}
	got, err := UnmarshalENRForkID(b)
	if err != nil || got != e {
		t.Fatalf("round trip %+v %v", got, err)
	}
	for _, n := range []int{0, 15, 17} {
		if _, err := UnmarshalENRForkID(make([]byte, n)); !errors.Is(err, ErrBadENRForkID) {
			t.Errorf("len %d: %v", n, err)
		}
	}
}

func TestParseDigest(t *testing.T) {
	d, err := ParseDigest("0xb5303f2a")
	if err != nil || d != (Digest{0xb5, 0x30, 0x3f, 0x2a}) || d.String() != "b5303f2a" {
		t.Fatal(d, err)
	}
	for _, s := range []string{"", "b5303f2", "b5303f2a00", "zz303f2a"} {
		if _, err := ParseDigest(s); !errors.Is(err, ErrBadDigest) {
			t.Errorf("%q: %v", s, err)
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []*Schedule{
		{},
		{Forks: []ForkEntry{{eth2.Altair, [4]byte{}, 0}}},
		{Forks: []ForkEntry{{eth2.Phase0, [4]byte{}, 0}, {eth2.Capella, [4]byte{}, 10}, {eth2.Bellatrix, [4]byte{}, 20}}},
		{Forks: []ForkEntry{{eth2.Phase0, [4]byte{}, 0}, {eth2.Altair, [4]byte{}, 10}, {eth2.Bellatrix, [4]byte{}, 5}}},
	}
	for i, s := range bad {
		if err := s.Validate(); !errors.Is(err, ErrBadSchedule) {
			t.Errorf("%d: %v", i, err)
		}
	}
}

// A config without MAX_BLOBS_PER_BLOCK_ELECTRA (Prysm's devnet config.yaml,
// ../shared/interop/prysm-devnet/mkconfig.sh, has none) means the published
// value 9: get_blob_parameters falls back to (ELECTRA_FORK_EPOCH, 9), the
// value the state transition uses too (config.MaxBlobsPerBlockElectra).
// With 0 here, every Fulu digest differed from Prysm's and libp2pc lost
// its peers at the upgrade.
func TestFuluDigestWithoutMaxBlobsElectra(t *testing.T) {
	yaml := []byte(`PRESET_BASE: 'mainnet'
MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 64
MIN_GENESIS_TIME: 0
GENESIS_DELAY: 0
GENESIS_FORK_VERSION: 0x10000038
ALTAIR_FORK_VERSION: 0x20000038
ALTAIR_FORK_EPOCH: 0
BELLATRIX_FORK_VERSION: 0x30000038
BELLATRIX_FORK_EPOCH: 0
CAPELLA_FORK_VERSION: 0x40000038
CAPELLA_FORK_EPOCH: 0
DENEB_FORK_VERSION: 0x50000038
DENEB_FORK_EPOCH: 0
ELECTRA_FORK_VERSION: 0x60000038
ELECTRA_FORK_EPOCH: 0
FULU_FORK_VERSION: 0x70000038
FULU_FORK_EPOCH: 1
SECONDS_PER_SLOT: 6
SECONDS_PER_ETH1_BLOCK: 6
ETH1_FOLLOW_DISTANCE: 16
DEPOSIT_CHAIN_ID: 32382
DEPOSIT_NETWORK_ID: 32382
DEPOSIT_CONTRACT_ADDRESS: 0x4242424242424242424242424242424242424242
MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256
SHARD_COMMITTEE_PERIOD: 256
EJECTION_BALANCE: 16000000000
MIN_PER_EPOCH_CHURN_LIMIT: 4
CHURN_LIMIT_QUOTIENT: 65536
BLOB_SCHEDULE: []
`)
	cfg, err := config.ParseConfig(yaml)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.BlobSchedule) != 0 {
		t.Fatalf("BLOB_SCHEDULE: %v", cfg.BlobSchedule)
	}
	// The genesis validators root of that devnet (64 interop validators), as
	// Prysm's /eth/v1/beacon/genesis reported it.
	gvr := [32]byte(mustHex(t, "83431ec7fcf92cfc44947fc0418e831c25e1d0806590231c439830db7ad54fda"))
	s, err := NewSchedule(cfg, gvr)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.BlobParameters(1); got != (BlobParameters{Epoch: 0, MaxBlobsPerBlock: 9}) || got.MaxBlobsPerBlock != cfg.MaxBlobsPerBlockElectra() {
		t.Fatalf("get_blob_parameters(1) = %+v, want {0 9}", got)
	}
	// The digests Prysm v7.1.2 announced on this chain (its ENR: eth2 at
	// Electra, nfd = the Fulu digest).
	d0, _ := s.Digest(0)
	d1, _ := s.Digest(1)
	if d0.String() != "0c3eb3ed" || d1.String() != "0dfec04c" {
		t.Fatalf("digests electra %s fulu %s, Prysm's 0c3eb3ed 0dfec04c", d0, d1)
	}
	// An explicit value still wins.
	cfg2, err := config.ParseConfig(append(yaml, "MAX_BLOBS_PER_BLOCK_ELECTRA: 12\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if s2, err := NewSchedule(cfg2, gvr); err != nil || s2.BlobParameters(1) != (BlobParameters{Epoch: 0, MaxBlobsPerBlock: 12}) {
		t.Fatalf("explicit MAX_BLOBS_PER_BLOCK_ELECTRA: %+v %v", s2, err)
	}
}
