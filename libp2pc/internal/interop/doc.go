// Package interop runs libp2pc against implementations nobody on this
// project wrote: Lodestar 1.5.1 (a consensus client, minimal-preset dev
// chain) and a js-libp2p 3 + gossipsub 17 peer. Everything else in the
// package builds only with the `interop` tag, so plain `go test ./...` never
// starts them:
//
//	bash scripts/install-interop.sh      # once; idempotent
//	go test -tags interop,minimal -race -v ./libp2pc/internal/interop/...
//
// or `make test-interop`. See README.md in this directory.
package interop
