// Package devnet runs libp2pc against a devnet of independent clients on
// the live forks (issue 18): Prysm v7.1.2 (beacon node + validator client)
// and geth v1.17.10 on 127.0.0.1, started by the shared scripts of
// ../shared/interop/prysm-devnet. Everything else in the package builds
// only with the `devnet` tag, so plain `go test ./...` never starts them:
//
//	make test-devnet-follow
//
// See README.md in this directory for what the test checks and the
// environment it reads.
package devnet
