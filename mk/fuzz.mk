# Go fuzz targets of the wire codecs (issue 4). Included by the main Makefile.
#
#   make fuzz-short        every target for FUZZ_SHORT (part of make test)
#   make fuzz [FUZZTIME=10m]   every target for FUZZTIME each (long runs)
#
# Go fuzzes one target per invocation, so each runs in turn. New crashers
# land in the package's testdata/fuzz/<Target>/ and then fail plain
# `go test` until fixed: commit them as regression inputs.

GO ?= go
FUZZ_SHORT ?= 10s
FUZZTIME   ?= 5m

# package:target pairs
FUZZ_TARGETS := \
	./libp2pc/eth2/gossip:FuzzDecodeGossip \
	./libp2pc/eth2/gossip:FuzzMessageID \
	./libp2pc/eth2/reqresp:FuzzReadChunk

.PHONY: fuzz fuzz-short

define run-fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== fuzz $$fn ($$pkg) for $(1)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(1) -parallel 2 $$pkg; \
	done
endef

fuzz-short:
	$(call run-fuzz,$(FUZZ_SHORT))

fuzz:
	$(call run-fuzz,$(FUZZTIME))
