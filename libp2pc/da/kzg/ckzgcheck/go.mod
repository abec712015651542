// A separate module: c-kzg-4844 (cgo) is test-only and must not be linked
// into the library, and the main module's go-ethereum requires c-kzg v2.1.8
// while the pinned, checked version here is v2.1.5 (the replace below).
module github.com/libp2pc/libp2pc/libp2pc/da/kzg/ckzgcheck

go 1.26.8

require (
	github.com/ethereum/c-kzg-4844/v2 v2.1.8
	github.com/libp2pc/libp2pc v0.0.0-00010101000000-000000000000
)

require (
	github.com/bits-and-blooms/bitset v1.20.0 // indirect
	github.com/consensys/gnark-crypto v0.18.1 // indirect
	github.com/crate-crypto/go-eth-kzg v1.5.0 // indirect
	github.com/supranational/blst v0.3.17 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)

replace github.com/libp2pc/libp2pc => ../../../..

replace github.com/ethereum/c-kzg-4844/v2 => github.com/ethereum/c-kzg-4844/v2 v2.1.5
