# A devnet of independent clients on the live forks (issue 18): Prysm v7.1.2
# (beacon node + validator, 64 interop keys, mainnet preset) and geth
# v1.17.10 on 127.0.0.1, built and started by the scripts in
# ../shared/interop/prysm-devnet (see its README.md); scripts/devnet/run-devnet.sh
# is its run-devnet.sh with the beacon node's log level as a variable
# (BEACON_VERBOSITY). Included by the main Makefile; none of these targets is
# part of `make test`.
#
#   make devnet-build        fetch + build Prysm, geth and blobsend (niced) into
#                            DEVNET_HOME/bin; the second run only checks
#   make devnet-up           start the devnet (FORK, FULU, SPS, DELAY, DURATION)
#   make devnet-down         stop it (by the PIDs run-devnet.sh wrote)
#   make test-devnet-follow  start the devnet, run libp2pc-node in chain mode on
#                            it and compare with Prysm (libp2pc/internal/devnet)
#
# DEVNET_HOME (the build cache, kept between runs) is shared by every clone
# on this machine; builds take a lock on it. DEVNET_RUN_DIR (devnet-up) and
# DEVNET_FOLLOW_DIR (test-devnet-follow) get the devnet's data, config.yaml,
# genesis.ssz, logs and PIDs (emptied by every start).
# The devnet listens on fixed ports (geth 8545/8551/30303, beacon REST 3500,
# gRPC 4000, libp2p 13000, discv5 12000, metrics 8080/8081): one devnet per
# machine at a time, which DEVNET_LOCK enforces for the targets below.

# ../shared beside the clone (CI); from a worktree one level deeper, ../../shared.
DEVNET_SCRIPTS  ?= $(firstword $(wildcard $(abspath ../shared/interop/prysm-devnet) $(abspath ../../shared/interop/prysm-devnet)) $(abspath ../shared/interop/prysm-devnet))
DEVNET_HOME     ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/libp2pc-prysm-devnet
DEVNET_RUN_DIR  ?= $(abspath $(BUILD))/devnet/run
# test-devnet-follow's own run directory (every start empties its directory).
DEVNET_FOLLOW_DIR ?= $(abspath $(BUILD))/devnet/follow
DEVNET_LOCK     ?= /tmp/libp2pc-prysm-devnet.run.lock
FORK            ?= electra
FULU            ?= 1
SPS             ?= 6
DELAY           ?= 40
DURATION        ?= 900
# test-devnet-follow: the slot at which libp2pc-node joins (it range-syncs the
# blocks before it) and the slot at which the run ends (128 = three epochs of
# Fulu with FULU=1, and Prysm has finalized by then: about 14 minutes with
# 6-second slots).
DEVNET_JOIN_SLOT ?= 12
DEVNET_END_SLOT  ?= 128
DEVNET_TIMEOUT   ?= 25m

BEACON_VERBOSITY ?= info
DEVNET_RUN_SCRIPT := $(abspath scripts/devnet/run-devnet.sh)

DEVNET_ENV = DEVNET_HOME=$(DEVNET_HOME) RUN_DIR=$(DEVNET_RUN_DIR) DEVNET_SCRIPTS=$(DEVNET_SCRIPTS)

.PHONY: devnet-build devnet-up devnet-down test-devnet-follow

devnet-build:
	@test -x $(DEVNET_SCRIPTS)/build.sh || { echo "devnet-build: $(DEVNET_SCRIPTS)/build.sh not found (shared/ beside the clone)"; exit 2; }
	@mkdir -p $(DEVNET_HOME)
	@start=$$(date +%s); \
	DEVNET_HOME=$(DEVNET_HOME) flock $(DEVNET_HOME)/.build.lock nice -n 10 $(DEVNET_SCRIPTS)/build.sh || exit 1; \
	echo "devnet-build: $$(( $$(date +%s) - start ))s"

# The processes outlive make (each bounded by `timeout DURATION`); devnet-down
# stops them earlier.
devnet-up: devnet-build
	@mkdir -p $(DEVNET_RUN_DIR)
	$(DEVNET_ENV) FORK=$(FORK) FULU=$(FULU) SPS=$(SPS) DELAY=$(DELAY) DURATION=$(DURATION) \
		BEACON_VERBOSITY=$(BEACON_VERBOSITY) flock -n $(DEVNET_LOCK) $(DEVNET_RUN_SCRIPT) \
		|| { echo "devnet-up: failed (another devnet running? lock $(DEVNET_LOCK))"; exit 1; }
	@echo "devnet-up: beacon REST http://127.0.0.1:3500, geth http://127.0.0.1:8545, files in $(DEVNET_RUN_DIR)"

devnet-down:
	@$(DEVNET_ENV) $(DEVNET_SCRIPTS)/stop-devnet.sh

# The library's chain mode following Prysm (libp2pc/internal/devnet/README.md).
# Needs build/bin/libp2pc-node built with the mainnet preset (make examples).
test-devnet-follow: devnet-build examples
	@mkdir -p $(DEVNET_FOLLOW_DIR)
	cd $(ROOT) && flock -n $(DEVNET_LOCK) env $(DEVNET_ENV) RUN_DIR=$(DEVNET_FOLLOW_DIR) DEVNET_RUN_SCRIPT=$(DEVNET_RUN_SCRIPT) \
		LIBP2PC_NODE=$(ROOT)/$(BUILD)/bin/libp2pc-node \
		FORK=$(FORK) FULU=$(FULU) SPS=$(SPS) DELAY=$(DELAY) \
		DEVNET_JOIN_SLOT=$(DEVNET_JOIN_SLOT) DEVNET_END_SLOT=$(DEVNET_END_SLOT) \
		$(GO) test -tags devnet -count=1 -v -timeout $(DEVNET_TIMEOUT) -run TestFollowPrysm ./libp2pc/internal/devnet/ \
		|| { echo "test-devnet-follow: FAILED (logs: $(DEVNET_FOLLOW_DIR))"; exit 1; }
