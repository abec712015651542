# Data availability (issue 15): KZG vectors, the c-kzg cross-check and the
# DA benchmarks. Included by the main Makefile; usable on its own too:
#   make -f mk/da.mk test-da | bench-da
#
# `make test-go` (go test -race ./...) runs TestOfficialVectors on a sample
# (one accepted and one rejected case per function); kzg-vectors runs every
# case of c-kzg-4844 v2.1.5's and go-eth-kzg v1.5.0's tests/ folders without
# -race (the test downloads the two modules with `go mod download` if absent).
# kzg-crosscheck is a module of its own (libp2pc/da/kzg/ckzgcheck) so the
# library never links c-kzg-4844 (cgo).

GO ?= go
DA_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: test-da kzg-vectors kzg-crosscheck bench-da

test-da: kzg-vectors kzg-crosscheck

kzg-vectors:
	cd $(DA_ROOT) && $(GO) test -count=1 -timeout 20m -run TestOfficialVectors -v ./libp2pc/da/kzg/

kzg-crosscheck:
	cd $(DA_ROOT)/libp2pc/da/kzg/ckzgcheck && $(GO) test -count=1 -timeout 20m -v .

# Verifying one column of a 21-blob block (cell proofs in one batch),
# recovering a 21-blob block from 64 columns, computing the cells and proofs
# of 21 blobs; importing a fulu block with 21 blobs (columns present) as a
# 4-group custodian and as a supernode next to the same block without blobs. Numbers go to BENCHMARKS.md by hand.
# Each reports wall ns/op and the process' CPU ms/op (the machine is shared).
bench-da:
	cd $(DA_ROOT) && $(GO) test -run '^$$' -bench 'Reconstruct|ComputeCells' -benchtime 3x -count 1 -timeout 60m ./libp2pc/da/
	cd $(DA_ROOT) && $(GO) test -run '^$$' -bench 'Verify' -benchtime 50x -count 1 -timeout 60m ./libp2pc/da/
	cd $(DA_ROOT) && $(GO) test -run '^$$' -bench 'ImportFulu21Blobs' -benchtime 5x -count 1 -timeout 60m ./libp2pc/pipeline/
