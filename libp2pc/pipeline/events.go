package pipeline

import (
	"sync/atomic"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// BlockState is the state of a block in its process (seed 002).
type BlockState int

const (
	New        BlockState = iota // downloaded/received and decoded
	Pending                      // parent not present: downloading it
	Child                        // parent present (stored), not yet valid
	BlockChild                   // parent is a valid (imported) block; fork choice checks passed
	StateChild                   // parent's state loaded: running the transition
	Included                     // transition done, block and state stored, in the fork tree
	Invalid                      // the block (or an ancestor) broke a rule
	Dropped                      // given up without a verdict (bounds, parent download failed, future slot)
)

var stateNames = [...]string{"new", "pending", "child", "block_child", "state_child", "included", "invalid", "dropped"}

func (s BlockState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// EventKind says which fields of an Event are set.
type EventKind int

const (
	EventBlockState    EventKind = iota // Root, Slot, State (every state change)
	EventBlockImported                  // Root, Slot, Parent, StateRoot: on disk with its state
	EventBlockInvalid                   // Root, Slot, Rule
	EventBlockDropped                   // Root, Slot, Rule (the reason)
	EventHeadChanged                    // Root, Slot
	EventFinalized                      // Checkpoint
	EventJustified                      // Checkpoint
	// Data availability (da.go): a block waits for sidecars (Root, Slot,
	// Missing), its data became available (Root, Slot, Took: the wait), or
	// did not in time (Root, Slot, Missing, Rule; BLOCK_DROPPED follows).
	EventDataWaiting
	EventDataAvailable
	EventDataUnavailable
	// EventExecution: Root, Slot, Execution: an imported block's execution
	// status changed (optimistic -> valid). An imported block found
	// invalid is EventBlockInvalid with Execution ExecutionInvalid.
	EventExecution
)

var kindNames = [...]string{"block_state", "block_imported", "block_invalid", "block_dropped", "head_changed", "finalized_checkpoint", "justified_checkpoint",
	"data_waiting", "data_available", "data_unavailable", "execution"}

func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Event is what the pipeline reports.
type Event struct {
	Kind       EventKind
	Root       Root
	Slot       uint64
	Parent     Root
	StateRoot  Root
	State      BlockState
	Rule       string
	Checkpoint Checkpoint
	// Took is, for block_imported, the time from the block's arrival in
	// the pipeline (Submit/Import) to its import: parent wait, transition
	// and store commit.
	Took time.Duration
	// Missing: the blob or column indices a block's data still lacks
	// (data events).
	Missing []uint64
	// Execution is, for block_imported, the verdict on the block's
	// execution payload (store.ExecutionNone for a block without one);
	// for execution and block_invalid of an imported block, its new status;
	// for head_changed, the new head's (optimistic: an optimistic head).
	Execution store.ExecutionStatus
}

// Events receives the pipeline's events. Event is called from block
// processes (many goroutines) and must return quickly; block_imported is
// called after the block and its state are synced to disk, head_changed
// after the import that changed the head.
type Events interface {
	Event(e Event)
}

// EventFunc adapts a function to Events.
type EventFunc func(Event)

func (f EventFunc) Event(e Event) { f(e) }

// ChanEvents delivers events into a bounded channel. When the channel is
// full the event is dropped and counted (block processes never block on a
// slow consumer).
type ChanEvents struct {
	C       chan Event
	dropped atomic.Uint64
	// States: also deliver EventBlockState events (many); off by default.
	States bool
}

// NewChanEvents returns a ChanEvents with a channel of capacity n.
func NewChanEvents(n int) *ChanEvents { return &ChanEvents{C: make(chan Event, n)} }

func (c *ChanEvents) Event(e Event) {
	if e.Kind == EventBlockState && !c.States {
		return
	}
	select {
	case c.C <- e:
	default:
		c.dropped.Add(1)
	}
}

// Dropped returns how many events did not fit.
func (c *ChanEvents) Dropped() uint64 { return c.dropped.Load() }
