package pipeline

import "github.com/libp2pc/libp2pc/libp2pc/consensus/config"

const slotsPerEpoch = config.SlotsPerEpoch
