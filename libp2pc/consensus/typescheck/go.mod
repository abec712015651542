// A separate module so that go-eth2-client, used only by this test, stays
// out of the main module's dependencies: the main module's go-ethereum
// requires a newer go-eth2-client, so pinning v0.29.0 there would downgrade
// go-ethereum. Here the replace directive pins it without touching go.mod
// at the repository root.
module github.com/libp2pc/libp2pc/libp2pc/consensus/typescheck

go 1.26.8

require (
	github.com/attestantio/go-eth2-client v0.29.0
	github.com/ferranbt/fastssz v0.1.4
	github.com/libp2pc/libp2pc v0.0.0-00010101000000-000000000000
	github.com/pk910/dynamic-ssz v1.3.2
)

require (
	github.com/OffchainLabs/go-bitfield v0.0.0-20251031151322-f427d04d8506 // indirect
	github.com/casbin/govaluate v1.10.0 // indirect
	github.com/emicklei/dot v1.6.2 // indirect
	github.com/fatih/color v1.10.0 // indirect
	github.com/goccy/go-yaml v1.9.2 // indirect
	github.com/holiman/uint256 v1.3.2 // indirect
	github.com/klauspost/cpuid/v2 v2.4.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/minio/sha256-simd v1.0.1 // indirect
	github.com/mitchellh/mapstructure v1.4.1 // indirect
	github.com/pk910/hashtree-bindings v0.2.2 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	golang.org/x/crypto v0.55.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/libp2pc/libp2pc => ../../..

replace github.com/attestantio/go-eth2-client => github.com/attestantio/go-eth2-client v0.29.0
