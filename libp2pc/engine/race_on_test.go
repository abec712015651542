//go:build race

package engine_test

// raceEnabled: the race detector instruments go-ethereum's pure-Go KZG
// (go-eth-kzg) too, which makes geth's blob pool take minutes to verify
// and cache one blob's 128 cell proofs on this project's machine.
const raceEnabled = true
