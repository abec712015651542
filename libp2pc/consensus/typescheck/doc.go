// Package typescheck cross-checks the generated SSZ code of the altair ..
// fulu containers (which the phase0 spec vectors do not cover) against an
// independent implementation, attestantio/go-eth2-client v0.29.0 with
// pk910/dynamic-ssz: randomly filled instances of each container must
// serialize byte-identically and have the same hash_tree_root in both, for
// the compiled preset (run once plainly for mainnet and once with
// -tags minimal). For mainnet go-eth2-client runs on its own static tags,
// so our mainnet sizes are checked independently of config.SSZSizes; for
// minimal it is given config.SSZSizes, whose minimal values the altair..fulu
// minimal vectors check (spectest TestLaterForksSSZ). It is its own module so that this dependency stays out of
// the main module; run it with `make consensus-typescheck`.
package typescheck
