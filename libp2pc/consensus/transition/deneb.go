package transition

import (
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
)

// Deneb (specs/deneb/beacon-chain.md, fork.md): blob KZG commitments
// (EIP-4844), the parent beacon block root in the payload request
// (EIP-4788), attestation inclusion until the end of the next epoch
// (EIP-7045), voluntary exits signed over the capella fork version
// (EIP-7044) and the activation churn cap (EIP-7514). The last three are
// small changes in shared code, selected with `s.ForkName >= forks.Deneb`
// (process_attestation, get_attestation_participation_flag_indices,
// process_voluntary_exit, process_registry_updates).

// upgradeToDeneb is upgrade_to_deneb: the execution payload header gains
// zero blob_gas_used and excess_blob_gas.
func upgradeToDeneb(cfg *config.Config, s *state.BeaconState) error {
	if err := nextForkVersion(cfg, s, forks.Deneb); err != nil {
		return err
	}
	s.ForkName = forks.Deneb
	h := new(deneb.ExecutionPayloadHeader)
	if pre := s.LatestExecutionPayloadHeader; pre != nil {
		*h = *pre
	}
	h.BlobGasUsed, h.ExcessBlobGas = 0, 0
	s.LatestExecutionPayloadHeader = h
	return nil
}

// kzgCommitmentToVersionedHash is kzg_commitment_to_versioned_hash.
func kzgCommitmentToVersionedHash(commitment [48]byte) [32]byte {
	h := helpers.Hash(commitment[:])
	h[0] = config.VersionedHashVersionKZG
	return h
}

// maxBlobsPerBlock is the limit on len(body.blob_kzg_commitments) that
// process_execution_payload enforces: MAX_BLOBS_PER_BLOCK from the config
// in deneb, MAX_BLOBS_PER_BLOCK_ELECTRA in electra, and from fulu the blob
// schedule's max_blobs_per_block at the state's epoch (get_blob_parameters).
func maxBlobsPerBlock(cfg *config.Config, s *state.BeaconState) uint64 {
	switch {
	case s.ForkName >= forks.Fulu:
		return cfg.BlobParametersAt(helpers.CurrentEpoch(s)).MaxBlobsPerBlock
	case s.ForkName >= forks.Electra:
		return cfg.MaxBlobsPerBlockElectra()
	}
	return cfg.MaxBlobsPerBlock()
}

// activationChurnLimit is the number of validators process_registry_updates
// may activate per epoch: get_validator_churn_limit until capella,
// get_validator_activation_churn_limit (capped at
// MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT, EIP-7514) from deneb.
func activationChurnLimit(cfg *config.Config, s *state.BeaconState) uint64 {
	churn := helpers.ValidatorChurnLimit(cfg, s)
	if s.ForkName >= forks.Deneb {
		return min(cfg.MaxPerEpochActivationChurnLimit(), churn)
	}
	return churn
}

// voluntaryExitDomain is the signature domain of a voluntary exit: that of
// the exit's epoch until capella, from deneb the fixed
// compute_domain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION,
// genesis_validators_root) (EIP-7044).
func (c *blockContext) voluntaryExitDomain(s *state.BeaconState, epoch uint64) ([32]byte, error) {
	if s.ForkName < forks.Deneb {
		return helpers.Domain(s, config.DomainVoluntaryExit, epoch)
	}
	version, err := c.cfg.Version("CAPELLA_FORK_VERSION")
	if err != nil {
		return [32]byte{}, err
	}
	return helpers.ComputeDomain(config.DomainVoluntaryExit, version, s.GenesisValidatorsRoot)
}
