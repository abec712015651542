//go:build libp2pc_deps

// Package deps pins the project's third-party modules in go.mod before every
// package that uses them exists, so that `go mod tidy` keeps the versions the
// project has chosen to build together (see README.md, "Dependencies").
package deps

import (
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/crate-crypto/go-eth-kzg"
	_ "github.com/ethereum/go-ethereum/p2p/discover"
	_ "github.com/ferranbt/fastssz"
	_ "github.com/golang/snappy"
	_ "github.com/libp2p/go-libp2p"
	_ "github.com/libp2p/go-libp2p-mplex"
	_ "github.com/libp2p/go-libp2p-pubsub"
	_ "github.com/mattn/go-pointer"
	_ "github.com/supranational/blst/bindings/go"
	_ "gopkg.in/yaml.v3"
)
