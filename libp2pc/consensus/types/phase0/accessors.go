package phase0

// Read-only accessors of the fields the spec helpers need
// (helpers.State); the fork-generic state implements the same methods.

func (s *BeaconState) GetSlot() uint64                     { return s.Slot }
func (s *BeaconState) GetFork() *Fork                      { return s.Fork }
func (s *BeaconState) GetGenesisValidatorsRoot() [32]byte  { return s.GenesisValidatorsRoot }
func (s *BeaconState) GetValidators() []*Validator         { return s.Validators }
func (s *BeaconState) GetBlockRoots() [][32]byte           { return s.BlockRoots }
func (s *BeaconState) GetRandaoMixes() [][32]byte          { return s.RandaoMixes }
func (s *BeaconState) GetFinalizedCheckpoint() *Checkpoint { return s.FinalizedCheckpoint }
