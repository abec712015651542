package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/libp2pc/libp2pc/libp2pc/chainsvc"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/latency"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// mainTopics are the gossip topic families without subnets: the "main
// topics" of beacon-metrics' gossipsub_mesh_peers_per_main_topic.
var mainTopics = map[string]bool{
	gossip.BeaconBlock: true, gossip.BeaconAggregateAndProof: true, gossip.VoluntaryExit: true,
	gossip.ProposerSlashing: true, gossip.AttesterSlashing: true,
	gossip.SyncCommitteeContributionAndProof: true, gossip.BLSToExecutionChange: true,
}

// Beacon sync states (beacon-metrics' beacon_sync_state).
const (
	syncStateNotSyncing = 0 // behind the wall clock and no range sync running
	syncStateSynced     = 1
	syncStateSyncing    = 2
)

// syncedDistance: a head at most this many slots behind the wall clock is
// synced (an empty slot or two is normal).
const syncedDistance = 2

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	// ethereum/beacon-metrics
	descPeers          = desc("libp2p_peers", "Connected libp2p peers (admitted, as the node's loop counts them).")
	descHeadSlot       = desc("beacon_head_slot", "Slot of the fork choice head block.")
	descFinalizedEpoch = desc("beacon_finalized_epoch", "Current finalized epoch.")
	descJustifiedEpoch = desc("beacon_current_justified_epoch", "Current justified epoch.")
	descReorgs         = desc("beacon_reorgs_total", "Head changes to a block that does not descend from the previous head.")
	descMeshMain       = desc("gossipsub_mesh_peers_per_main_topic", "Gossipsub mesh peers per main (non-subnet) eth2 topic.", "topic")
	descSyncState      = desc("beacon_sync_state", "Beacon sync state: 0 behind and not syncing, 1 synced, 2 syncing.")

	// ethereum/beacon-metrics, PeerDAS (EIP-7594)
	descColumnRequests  = desc("beacon_data_column_sidecar_processing_requests_total", "Data column sidecars submitted to gossip verification.")
	descColumnSuccesses = desc("beacon_data_column_sidecar_processing_successes_total", "Data column sidecars that passed gossip verification.")
	descColumnGossipVer = desc("beacon_data_column_sidecar_gossip_verification_seconds", "Time to run the gossip rules on one data column sidecar, whatever the verdict.")
	descColumnKZGBatch  = desc("beacon_kzg_verification_data_column_batch_seconds", "Time of the batched KZG cell proof verification of one data column sidecar on gossip.")
	descReconColumns    = desc("beacon_data_availability_reconstructed_columns_total", "Data columns recovered by reconstruction.")
	descReconTime       = desc("beacon_data_availability_reconstruction_time_seconds", "Time of the successful column reconstructions.")
	descCustodyGroups   = desc("beacon_custody_groups", "Custody groups of the node (its custody group count).")

	// libp2pc: event queue
	descQueueDepth = desc("libp2pc_event_queue_depth", "Events waiting in the node's event queue, per class.", "class")
	descQueueCap   = desc("libp2pc_event_queue_capacity", "Capacity of the node's event queue, per class.", "class")
	descQueueHigh  = desc("libp2pc_event_queue_high_water", "Highest depth the event queue reached, per class.", "class")
	descQueueDrops = desc("libp2pc_event_queue_dropped_total", "Events not delivered for lack of queue room, per class and cause.", "class", "cause")
	descDelivered  = desc("libp2pc_events_delivered_total", "Events handed to the host.")

	// libp2pc: gossip
	descMsgReceived  = desc("libp2pc_gossip_messages_received_total", "Gossip messages handed to the event queue.")
	descMsgPublished = desc("libp2pc_gossip_messages_published_total", "Successful publish requests.")
	descGossipDrops  = desc("libp2pc_gossip_dropped_total", "Gossip messages dropped before the host saw them, per cause.", "cause")
	descMesh         = desc("libp2pc_gossipsub_mesh_peers", "Gossipsub mesh peers per topic the node is in.", "topic")
	descValidation   = desc("libp2pc_gossip_validation_total", "Validation outcomes of eth2 gossip messages, per topic family.", "topic", "outcome")
	descReasons      = desc("libp2pc_gossip_validation_reasons_total", "Reasons of rejected and ignored eth2 gossip: the node's own checks (source node) and the Go validators' (source validator).", "source", "reason")
	descPending      = desc("libp2pc_gossip_validations_pending", "Host validations awaiting an answer.")
	descPubsub       = desc("libp2pc_gossipsub_rejected_total", "What gossipsub did with eth2 messages that did not pass, per action.", "action")
	descCalls        = desc("libp2pc_calls_refused_busy_total", "Host calls refused with QUEUE_FULL.")
	descPanics       = desc("libp2pc_recovered_panics_total", "Panics caught inside the node's goroutines.")
	descPeersRefused = desc("libp2pc_peers_refused_total", "Connections closed at admission, per cause.", "cause")

	// libp2pc: req/resp
	descRROut   = desc("libp2pc_reqresp_outgoing_total", "Outgoing req/resp requests, per outcome (sent counts every request whose stream opened).", "outcome")
	descRRIn    = desc("libp2pc_reqresp_incoming_total", "Incoming req/resp requests, per outcome (received counts every request read).", "outcome")
	descRRProto = desc("libp2pc_reqresp_requests_total", "Req/resp requests per protocol ID: outgoing ok, failed (timed_out is part of failed), incoming received.", "protocol", "direction", "outcome")
	descRRChk   = desc("libp2pc_reqresp_chunks_total", "Response chunks, per direction.", "direction")

	// libp2pc: block pipeline
	descImport   = desc("libp2pc_block_import_seconds", "Time from a block's arrival in the pipeline to its import (parent wait, state transition, store commit).")
	descBlocks   = desc("libp2pc_blocks_total", "Block pipeline verdicts (every source: gossip, sync, downloads, submit).", "outcome")
	descInFlight = desc("libp2pc_blocks_in_flight", "Block processes running now.")
	descGossipBl = desc("libp2pc_gossip_blocks_total", "beacon_block gossip verdicts of the chain's validator.", "verdict")
	descSyncs    = desc("libp2pc_range_syncs_total", "Range syncs, per outcome (started, failed).", "outcome")

	// libp2pc: execution client (issue 16)
	descEngineCalls = desc("libp2pc_engine_requests_total", "Engine API calls to the execution client, per method and outcome.", "method", "outcome")
	descEngineState = desc("libp2pc_engine_state", "Execution client health: 0 unknown, 1 online, 2 syncing, 3 offline, 4 auth_failed.")
	descExecution   = desc("libp2pc_execution_payloads_total", "Execution verdicts of imported blocks' payloads, and their later changes (validated, invalidated).", "status")
)

// collector reads the node on every scrape. It is unchecked (Describe
// sends nothing): which metrics exist depends on what the node runs (no
// beacon_* before the chain starts, no validation metrics without eth2).
type collector struct{ n *node.Node }

func (c *collector) Describe(chan<- *prometheus.Desc) {}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	n := c.n
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}

	nc := n.Counters()
	gauge(descPeers, float64(nc.ConnectedPeers))
	counter(descMsgReceived, nc.MessagesReceived)
	counter(descMsgPublished, nc.MessagesPublished)
	counter(descGossipDrops, nc.StaleGossip, "stale_peer")
	counter(descGossipDrops, nc.SubscriptionDrops, "subscription_full")
	counter(descGossipDrops, nc.OutboundRPCDrops, "outbound_rpc_full")
	counter(descCalls, nc.CallsRefusedBusy)
	counter(descPanics, nc.RecoveredPanics)
	counter(descPeersRefused, nc.PeersRefusedLimit, "max_peers")
	counter(descPeersRefused, nc.PeersRefusedQueue, "event_queue")

	qs := n.QueueStats()
	for _, q := range []struct {
		class           string
		depth, cap, top int
	}{
		{"gossip", qs.GossipLen, qs.GossipCap, qs.GossipHighWater},
		{"control", qs.ControlLen, qs.ControlCap, qs.ControlHighWater},
		{"errors", qs.ErrorLen, qs.ErrorCap, qs.ErrorHighWater},
	} {
		gauge(descQueueDepth, float64(q.depth), q.class)
		gauge(descQueueCap, float64(q.cap), q.class)
		gauge(descQueueHigh, float64(q.top), q.class)
	}
	counter(descDelivered, qs.Delivered)
	counter(descQueueDrops, qs.Dropped.Gossip, "gossip", "full_drop_oldest")
	counter(descQueueDrops, qs.Dropped.Errors, "errors", "full")

	mesh := n.MeshPeers()
	mainMesh := map[string]int{}
	for topic, peers := range mesh {
		gauge(descMesh, float64(peers), topic)
		if fam, ok := n.Eth2TopicFamily(topic); ok && mainTopics[fam] {
			mainMesh[fam] += peers // both digests' topics around a fork boundary
		}
	}
	for fam, peers := range mainMesh {
		gauge(descMeshMain, float64(peers), fam)
	}

	if rr, err := n.ReqRespCounters(); err == nil {
		counter(descQueueDrops, rr.StatusEventsDropped, "control", "peer_status")
		counter(descQueueDrops, rr.GoodbyeEventsDropped, "control", "peer_goodbye")
		counter(descRROut, rr.RequestsSent, "sent")
		counter(descRROut, rr.RequestsFailed, "failed")
		counter(descRROut, rr.RequestsTimedOut, "timed_out")
		counter(descRRIn, rr.IncomingRequests, "received")
		counter(descRRIn, rr.IncomingInvalid, "invalid")
		counter(descRRIn, rr.IncomingRateLimited, "rate_limited")
		counter(descRRIn, rr.IncomingConcurrency, "too_many_streams")
		counter(descRRIn, rr.IncomingRefused, "queue_full")
		counter(descRRIn, rr.IncomingTimedOut, "host_timed_out")
		counter(descRRIn, rr.IncomingNotServed, "not_served")
		counter(descRRIn, rr.IncomingStreamError, "stream_error")
		counter(descRRIn, rr.IncomingStale, "stale_peer")
		for proto, pc := range rr.ByProtocol {
			counter(descRRProto, pc.OutgoingOK, proto, "outgoing", "ok")
			counter(descRRProto, pc.OutgoingFailed, proto, "outgoing", "failed")
			counter(descRRProto, pc.OutgoingTimedOut, proto, "outgoing", "timed_out")
			counter(descRRProto, pc.IncomingReceived, proto, "incoming", "received")
		}
		counter(descRRChk, rr.ChunksReceived, "received")
		counter(descRRChk, rr.ChunksServed, "served")
	}

	if n.Eth2Configured() {
		ec := n.Eth2Counters()
		for fam, t := range ec.Topics {
			counter(descValidation, t.Accepted, fam, "accepted")
			counter(descValidation, t.Rejected, fam, "rejected")
			counter(descValidation, t.Ignored, fam, "ignored")
			counter(descValidation, t.TimedOut, fam, "timed_out")
		}
		gauge(descPending, float64(ec.PendingValidations))
		for _, r := range []struct {
			reason string
			v      uint64
		}{
			{"invalid_snappy", ec.InvalidSnappy}, {"compressed_too_large", ec.CompressedTooLarge},
			{"decoded_too_large", ec.DecodedTooLarge}, {"pending_full", ec.PendingFull},
			{"peer_gone", ec.PeerGone}, {"go_validator_panic", ec.GoValidatorPanics},
			{"no_go_validator", ec.NoGoValidator}, {"unknown_topic", ec.UnknownTopic},
			{"not_subscribed", ec.NotSubscribed}, {"late_report", ec.LateReports},
		} {
			counter(descReasons, r.v, "node", r.reason)
		}
		for reason, v := range ec.Reasons {
			counter(descReasons, v, "validator", reason)
		}
		counter(descPubsub, ec.PubsubRejected, "rejected")
		counter(descPubsub, ec.PubsubIgnored, "ignored")
		counter(descPubsub, ec.PubsubThrottled, "throttled")
	}

	c.collectDA(ch)

	cm, err := chainsvc.Metrics(n)
	if err != nil {
		return // no chain: no beacon_* metrics
	}
	gauge(descHeadSlot, float64(cm.HeadSlot))
	gauge(descFinalizedEpoch, float64(cm.FinalizedEpoch))
	gauge(descJustifiedEpoch, float64(cm.CurrentJustifiedEpoch))
	counter(descReorgs, cm.Reorgs)
	state := syncStateSynced
	switch {
	case cm.Syncing:
		state = syncStateSyncing
	case cm.SyncDistance > syncedDistance:
		state = syncStateNotSyncing
	}
	gauge(descSyncState, float64(state))
	h := cm.ImportLatency
	ch <- prometheus.MustNewConstHistogram(descImport, h.Count, h.SumSeconds, latency.Snapshot(h).Buckets())
	counter(descBlocks, cm.BlocksImported, "imported")
	counter(descBlocks, cm.BlocksInvalid, "invalid")
	counter(descBlocks, cm.BlocksDropped, "dropped")
	gauge(descInFlight, float64(cm.BlocksInFlight))
	for verdict, v := range cm.GossipBlocksByVerdict {
		counter(descGossipBl, v, verdict)
	}
	counter(descQueueDrops, cm.EventsDropped, "control", "chain_event")
	counter(descSyncs, cm.Syncs, "started")
	counter(descSyncs, cm.SyncFailures, "failed")
	if p := chainsvc.Pipeline(n); p != nil {
		xs := p.ExecutionStats()
		for status, v := range map[string]uint64{"valid": xs.Valid, "optimistic": xs.Optimistic, "invalid": xs.Invalid,
			"no_engine": xs.NoEngine, "engine_error": xs.EngineErrors, "validated": xs.Validated, "invalidated": xs.Invalidated} {
			counter(descExecution, v, status)
		}
	}
	if h, calls, ok := chainsvc.Engine(n); ok {
		gauge(descEngineState, float64(h.State))
		for _, c := range calls {
			counter(descEngineCalls, c.Count, c.Method, c.Outcome.String())
		}
	}
}

// collectDA sends the PeerDAS metrics: the column gossip ones while DA
// gossip runs (StartDAGossip, or the chain's own), reconstruction while a
// chain runs, the custody group count from whichever of the two is there
// (the node's custody first: SetCustodyGroupCount raises it).
func (c *collector) collectDA(ch chan<- prometheus.Metric) {
	n := c.n
	histogram := func(d *prometheus.Desc, s latency.Snapshot) {
		ch <- prometheus.MustNewConstHistogram(d, s.Count, s.SumSeconds, s.Buckets())
	}
	local := n.Custody()
	if local != nil {
		dc := n.DAGossipCounters()
		ch <- prometheus.MustNewConstMetric(descColumnRequests, prometheus.CounterValue,
			float64(dc.ColumnsAccepted+dc.ColumnsRejected+dc.ColumnsIgnored))
		ch <- prometheus.MustNewConstMetric(descColumnSuccesses, prometheus.CounterValue, float64(dc.ColumnsAccepted))
		histogram(descColumnGossipVer, dc.Timings.ColumnVerification)
		histogram(descColumnKZGBatch, dc.Timings.ColumnKZGBatch)
		ch <- prometheus.MustNewConstMetric(descCustodyGroups, prometheus.GaugeValue, float64(local.CustodyGroupCount()))
	}
	ds, err := chainsvc.DAStats(n)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descReconColumns, prometheus.CounterValue, float64(ds.ColumnsRecovered))
	if p := chainsvc.Pipeline(n); p != nil {
		histogram(descReconTime, p.ReconstructionTime())
	}
	if local == nil {
		ch <- prometheus.MustNewConstMetric(descCustodyGroups, prometheus.GaugeValue, float64(ds.CustodyGroupCount))
	}
}
