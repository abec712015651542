//go:build devnet

package devnet

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// slotsPerEpoch is the mainnet preset's (the only one Prysm runs from the
// module proxy).
const slotsPerEpoch = 32

// env is what the test reads from its environment (mk/devnet.mk sets it).
type env struct {
	scripts, runScript, home, runDir string
	nodeBin                          string
	fork                             string
	fulu, sps, delay                 uint64
	joinSlot, endSlot                uint64
}

func loadEnv(t *testing.T) env {
	t.Helper()
	need := func(k string) string {
		v := os.Getenv(k)
		if v == "" {
			t.Fatalf("%s is not set (run `make test-devnet-follow`)", k)
		}
		return v
	}
	num := func(k string, def uint64) uint64 {
		v := os.Getenv(k)
		if v == "" {
			return def
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", k, v, err)
		}
		return n
	}
	e := env{
		scripts: need("DEVNET_SCRIPTS"), runScript: need("DEVNET_RUN_SCRIPT"), home: need("DEVNET_HOME"), runDir: need("RUN_DIR"),
		nodeBin: need("LIBP2PC_NODE"), fork: os.Getenv("FORK"),
		fulu: num("FULU", 1), sps: num("SPS", 6), delay: num("DELAY", 40),
		joinSlot: num("DEVNET_JOIN_SLOT", 12), endSlot: num("DEVNET_END_SLOT", 128),
	}
	if e.fork == "" {
		e.fork = "electra"
	}
	if e.fork != "electra" {
		t.Fatalf("FORK=%s: this test follows the Electra → Fulu upgrade; it needs FORK=electra", e.fork)
	}
	if e.joinSlot < 2 || e.endSlot <= e.joinSlot+4 {
		t.Fatalf("DEVNET_JOIN_SLOT=%d DEVNET_END_SLOT=%d: need 2 <= join < end-4", e.joinSlot, e.endSlot)
	}
	for _, p := range []string{e.runScript, filepath.Join(e.scripts, "mkconfig.sh"), filepath.Join(e.home, "bin", "blobsend"), e.nodeBin} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%v (run `make devnet-build examples`)", err)
		}
	}
	return e
}

func (e env) forkOf(slot uint64) string {
	if slot/slotsPerEpoch >= e.fulu {
		return "fulu"
	}
	return "electra"
}

func normHex(s string) string { return strings.ToLower(strings.TrimPrefix(s, "0x")) }

// report collects what the run saw; every disagreement fails the test.
type report struct {
	mu            sync.Mutex
	disagreements []string
	notes         []string
}

func (r *report) disagree(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.disagreements = append(r.disagreements, fmt.Sprintf(format, a...))
}

func (r *report) note(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, a...))
}

// TestFollowPrysm starts the Prysm + geth devnet (Electra at genesis, Fulu
// at epoch FULU), lets libp2pc-node join in chain mode at DEVNET_JOIN_SLOT
// (anchored at the devnet's genesis.ssz, peered with Prysm only), sends blob
// transactions, and at DEVNET_END_SLOT compares everything it can with
// Prysm's REST API: every canonical block imported with an equal root and
// post-state root, the head and finalized checkpoint, the fork digests of
// both forks (Prysm's ENR `eth2` and `nfd`), the status handshake, Prysm's
// peer list (no disconnect), and blocks served back by range byte-equal to
// Prysm's (through a second, chainless libp2pc-node).
func TestFollowPrysm(t *testing.T) {
	e := loadEnv(t)
	ctx := context.Background()
	rep := &report{}
	tStart := time.Now()

	// ---- the devnet ----
	duration := e.delay + (e.endSlot+20)*e.sps + 240
	// Prysm's beacon node logs at debug: at info it says nothing about single peers.
	run := exec.Command(e.runScript)
	run.Env = append(os.Environ(), "DEVNET_SCRIPTS="+e.scripts, "BEACON_VERBOSITY=debug", "FORK="+e.fork, fmt.Sprintf("FULU=%d", e.fulu), fmt.Sprintf("SPS=%d", e.sps),
		fmt.Sprintf("DELAY=%d", e.delay), fmt.Sprintf("DURATION=%d", duration), "RUN_DIR="+e.runDir, "DEVNET_HOME="+e.home)
	out, err := run.CombinedOutput()
	t.Cleanup(func() {
		stop := exec.Command(filepath.Join(e.scripts, "stop-devnet.sh"))
		stop.Env = append(os.Environ(), "RUN_DIR="+e.runDir, "DEVNET_HOME="+e.home)
		if o, err := stop.CombinedOutput(); err != nil {
			t.Logf("stop-devnet: %v: %s", err, o)
		}
		if t.Failed() {
			for _, f := range []string{"beacon.log", "validator.log", "geth.log"} {
				t.Logf("---- %s (last lines) ----\n%s", f, tail(filepath.Join(e.runDir, f), 40))
			}
		}
	})
	if err != nil {
		t.Fatalf("%s: %v\n%s", e.runScript, err, out)
	}
	t.Logf("run-devnet.sh: %s (%.1fs)", strings.TrimSpace(string(out)), time.Since(tStart).Seconds())
	gtRaw, err := os.ReadFile(filepath.Join(e.runDir, "genesis_time"))
	if err != nil {
		t.Fatal(err)
	}
	genesisTime, err := strconv.ParseUint(strings.TrimSpace(string(gtRaw)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	slotStart := func(slot uint64) time.Time {
		return time.Unix(int64(genesisTime), 0).Add(time.Duration(slot*e.sps) * time.Second)
	}
	waitSlot := func(slot uint64, into time.Duration) {
		if d := time.Until(slotStart(slot).Add(into)); d > 0 {
			time.Sleep(d)
		}
	}

	beacon := &Beacon{Base: "http://127.0.0.1:3500", HTTP: &http.Client{}}
	var gen Genesis
	restDeadline := time.Now().Add(time.Duration(e.delay+120) * time.Second)
	for {
		if gen, err = beacon.Genesis(ctx); err == nil {
			break
		}
		if time.Now().After(restDeadline) {
			t.Fatalf("Prysm's REST API never answered /eth/v1/beacon/genesis: %v", err)
		}
		time.Sleep(2 * time.Second)
	}
	tREST := time.Since(tStart)
	if gen.Time != genesisTime {
		t.Fatalf("Prysm's genesis_time %d, run-devnet.sh wrote %d", gen.Time, genesisTime)
	}
	t.Logf("Prysm REST up after %.1fs; genesis %s (in %.0fs), genesis_validators_root %s",
		tREST.Seconds(), time.Unix(int64(genesisTime), 0).UTC().Format(time.TimeOnly), time.Until(slotStart(0)).Seconds(), gen.ValidatorsRoot)

	// ---- libp2pc-node joins (chain mode, anchored at genesis.ssz) ----
	waitSlot(e.joinSlot, 500*time.Millisecond)
	idPre, err := beacon.Identity(ctx)
	if err != nil {
		t.Fatalf("Prysm identity: %v", err)
	}
	prysmAddr, err := idPre.TCPAddr()
	if err != nil {
		t.Fatal(err)
	}
	if len(idPre.NextForkD) != 4 {
		t.Fatalf("Prysm's ENR has no 4-byte nfd before Fulu: %x", idPre.NextForkD)
	}
	digestOf := func(slot uint64) string { // what Prysm announces for the fork of slot
		if e.forkOf(slot) == "fulu" {
			return hex.EncodeToString(idPre.NextForkD)
		}
		return idPre.Digest()
	}
	t.Logf("Prysm %s at %s; ENR eth2 %x, nfd %x", idPre.PeerID, prysmAddr, idPre.ForkID, idPre.NextForkD)

	nodeDir := filepath.Join(e.runDir, "libp2pc")
	if err := os.MkdirAll(nodeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// libp2pc-node reads the devnet's config.yaml as Prysm does: a partial
	// file whose missing phase0 keys take their PRESET_BASE's values.
	cfgPath := filepath.Join(e.runDir, "config.yaml")
	defaulted, err := checkDefaultedKeys(ctx, beacon, cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(defaulted) > 0 {
		rep.note("config.yaml lacks %s; libp2pc took them from its PRESET_BASE, as Prysm's /eth/v1/config/spec has them",
			strings.Join(defaulted, ", "))
	}
	common := []string{"--eth2-config", cfgPath, "--genesis-time", strconv.FormatUint(genesisTime, 10),
		"--genesis-validators-root", normHex(gen.ValidatorsRoot)}
	tJoin := time.Now()
	nodeA := startNode(t, "libp2pc-node", e.nodeBin, filepath.Join(nodeDir, "node.log"),
		append([]string{"--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", filepath.Join(nodeDir, "chain"),
			"--genesis-state", filepath.Join(e.runDir, "genesis.ssz"), "--peer", prysmAddr}, common...)...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- libp2pc-node log (last lines) ----\n%s", tail(nodeA.LogPath, 60))
		}
	})
	listening, err := nodeA.WaitEvent(60*time.Second, func(ev Event) bool { return ev.Name == "listening" })
	if err != nil {
		t.Fatalf("libp2pc-node never listened: %v\n%s", err, tail(nodeA.LogPath, 30))
	}
	ourID := listening.Str("peer_id")
	if d := listening.Str("fork_digest"); d != digestOf(listening.Uint("slot")) {
		rep.disagree("fork digest at slot %d: libp2pc %s, Prysm's ENR %s", listening.Uint("slot"), d, digestOf(listening.Uint("slot")))
	}
	st, err := nodeA.WaitEvent(60*time.Second, func(ev Event) bool {
		return ev.Name == "peer_status" && ev.Str("peer_id") == idPre.PeerID
	})
	handshake := "none"
	switch {
	case err != nil:
		rep.disagree("no status handshake with Prysm within 60 s: %v", err)
	case st.Uint("status") != 0:
		handshake = "failed: " + st.Str("error")
		rep.disagree("status handshake with Prysm failed: %s", st.Str("error"))
	case st.Fields["digest_match"] != true:
		handshake = "digest mismatch"
		rep.disagree("Prysm's Status digest %s differs from ours", st.Str("fork_digest"))
	default:
		handshake = fmt.Sprintf("ok (Prysm head slot %d, digest %s)", st.Uint("head_slot"), st.Str("fork_digest"))
	}

	// ---- during the run: blob transactions, Prysm's peer list ----
	stopWatch := make(chan struct{})
	var wg sync.WaitGroup
	var blobMu sync.Mutex
	var blobResults []string
	wg.Add(2)
	go func() { // blob transactions, one at a time, at a few slots of each fork
		defer wg.Done()
		fuluStart := e.fulu * slotsPerEpoch
		for _, s := range []uint64{e.joinSlot + 2, fuluStart + 2, fuluStart + 6, fuluStart + 14, fuluStart + 30, fuluStart + 45, fuluStart + 70} {
			if s+4 >= e.endSlot || s <= e.joinSlot {
				continue
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(time.Until(slotStart(s))):
			}
			// blobsend waits for the receipt.
			wait := time.Duration(12*e.sps) * time.Second
			if e.forkOf(s) == "electra" {
				wait = time.Until(slotStart(fuluStart + 8))
			}
			cctx, cancel := context.WithTimeout(ctx, wait)
			// geth v1.17.10 with Osaka scheduled takes only version-1 (cell
			// proof) sidecars, also before Osaka (a version-0 one is refused:
			// "unexpected sidecar version, want: 1, got: 0"), and includes them
			// only from Osaka on: a transaction sent on Electra lands in the
			// first Fulu blocks, and no Electra block carries blobs.
			o, err := exec.CommandContext(cctx, filepath.Join(e.home, "bin", "blobsend"), "http://127.0.0.1:8545").CombinedOutput()
			cancel()
			res := fmt.Sprintf("slot %d (%s): ", s, e.forkOf(s))
			if err != nil {
				res += fmt.Sprintf("FAILED %v: %s", err, strings.TrimSpace(string(o)))
			} else {
				res += strings.ReplaceAll(strings.TrimSpace(string(o)), "\n", "; ")
			}
			blobMu.Lock()
			blobResults = append(blobResults, res)
			blobMu.Unlock()
		}
	}()
	var peerMu sync.Mutex
	peerSamples, peerConnected, peerGaps := 0, 0, 0
	var peerStates []string
	go func() { // Prysm's view of us, every 3 s
		defer wg.Done()
		seen := false
		last := ""
		for {
			select {
			case <-stopWatch:
				return
			case <-time.After(3 * time.Second):
			}
			ps, err := beacon.Peers(ctx)
			state := "absent"
			if err != nil {
				state = "error: " + err.Error()
			}
			for _, p := range ps {
				if p.PeerID == ourID {
					state = p.State
				}
			}
			peerMu.Lock()
			peerSamples++
			if state == "connected" {
				peerConnected++
				seen = true
			} else if seen {
				peerGaps++
			}
			if state != last {
				peerStates = append(peerStates, fmt.Sprintf("%s@slot%d", state, uint64(time.Since(slotStart(0)).Seconds())/e.sps))
				last = state
			}
			peerMu.Unlock()
		}
	}()

	// Just after the upgrade, Prysm's ENR must announce the digest its `nfd` promised.
	if fuluStart := e.fulu * slotsPerEpoch; fuluStart+2 < e.endSlot {
		waitSlot(fuluStart+1, time.Second)
		if idPost, err := beacon.Identity(ctx); err != nil {
			rep.disagree("Prysm identity after Fulu: %v", err)
		} else if idPost.Digest() != hex.EncodeToString(idPre.NextForkD) {
			rep.note("Prysm's ENR after Fulu announces %s, its nfd before was %x", idPost.Digest(), idPre.NextForkD)
		}
	}

	// ---- the end: Prysm's score of its peers (libp2pc-node is its only one),
	// head and finality, then blocks served back by range and root ----
	prysmScore := prysmMetric("http://127.0.0.1:8080/metrics", "connected_libp2p_peers_average_scores")
	if prysmScore == "" {
		rep.note("Prysm's metrics have no connected_libp2p_peers_average_scores")
	} else if strings.HasPrefix(prysmScore, "-") {
		rep.disagree("Prysm scores its peers (libp2pc-node alone) %s on average: below zero", prysmScore)
	}

	waitSlot(e.endSlot, time.Duration(e.sps)*time.Second*2/3)
	tFollow := time.Since(tJoin)
	var prysmHead Header
	var prysmFin Finality
	headRoot, headSlot := "", uint64(0)
	finEpoch, finRoot := uint64(0), ""
	for attempt := 0; attempt < 3; attempt++ { // the heads may race at a slot boundary: retry a slot later
		if prysmHead, err = beacon.Header(ctx, "head"); err != nil {
			t.Fatalf("Prysm head: %v", err)
		}
		if prysmFin, err = beacon.Finality(ctx, "head"); err != nil {
			t.Fatalf("Prysm finality: %v", err)
		}
		headRoot, headSlot, finEpoch, finRoot = "", 0, 0, ""
		for _, ev := range nodeA.Events() {
			switch ev.Name {
			case "head_changed":
				headRoot, headSlot = ev.Str("root"), ev.Uint("slot")
			case "finalized":
				finEpoch, finRoot = ev.Uint("epoch"), ev.Str("root")
			}
		}
		if headRoot == normHex(prysmHead.Root) && finEpoch == prysmFin.Finalized.Epoch {
			break
		}
		time.Sleep(time.Duration(e.sps) * time.Second)
	}
	if headRoot != normHex(prysmHead.Root) {
		rep.disagree("head: libp2pc %s at slot %d, Prysm %s at slot %d", headRoot, headSlot, normHex(prysmHead.Root), prysmHead.Slot)
	}
	// The finalized checkpoint: before any finalization both are at genesis
	// (Prysm reports the zero root; libp2pc sends no event).
	if prysmFin.Finalized.Epoch > 0 || finEpoch > 0 {
		if finEpoch != prysmFin.Finalized.Epoch || finRoot != normHex(prysmFin.Finalized.Root) {
			rep.disagree("finalized: libp2pc epoch %d root %s, Prysm epoch %d root %s", finEpoch, finRoot,
				prysmFin.Finalized.Epoch, normHex(prysmFin.Finalized.Root))
		}
	}

	// Prysm's canonical chain, slot by slot.
	type pblock struct {
		hdr   Header
		sha   string // first 8 bytes of SHA-256 of the SSZ SignedBeaconBlock
		blobs int
	}
	canonical := map[uint64]pblock{}
	var slots []uint64
	for s := uint64(1); s <= headSlot || s <= prysmHead.Slot; s++ {
		h, err := beacon.Header(ctx, strconv.FormatUint(s, 10))
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("Prysm header %d: %v", s, err)
		}
		raw, _, err := beacon.BlockSSZ(ctx, h.Root)
		if err != nil {
			t.Fatalf("Prysm block %d SSZ: %v", s, err)
		}
		sum := sha256.Sum256(raw)
		nb, err := beacon.BlobCommitments(ctx, h.Root)
		if err != nil {
			t.Fatalf("Prysm block %d JSON: %v", s, err)
		}
		canonical[s] = pblock{hdr: h, sha: hex.EncodeToString(sum[:8]), blobs: nb}
		slots = append(slots, s)
	}

	// Blocks served back by range: a second, chainless libp2pc-node asks
	// libp2pc-node for slots 1..head in windows of 64.
	aAddr := ""
	for _, a := range listening.Fields["addrs"].([]any) {
		if s, _ := a.(string); strings.HasPrefix(s, "/ip4/127.0.0.1/tcp/") {
			aAddr = s
			break
		}
	}
	if !strings.Contains(aAddr, "/p2p/") {
		aAddr += "/p2p/" + ourID
	}
	// ask runs a chainless libp2pc-node that sends one request to
	// libp2pc-node and pairs the response chunks, in order, with want (the
	// slots of Prysm's canonical blocks it should get): slot -> "sha/context".
	rangeChunks, rangeErrors := 0, 0
	ask := func(what, protocol string, body []byte, want []uint64) map[uint64]string {
		got := map[uint64]string{}
		nodeB := startNode(t, "libp2pc-node "+what, e.nodeBin, filepath.Join(nodeDir, strings.ReplaceAll(what, " ", "-")+".log"),
			append([]string{"--listen", "/ip4/127.0.0.1/tcp/0", "--peer", aAddr, "--exit-after-s", "60",
				"--request", "0:" + protocol + ":" + hex.EncodeToString(body)}, common...)...)
		// Its other calls (start, dial) complete with request_done too: wait
		// for the one of the request it announced.
		var done Event
		asked, err := nodeB.WaitEvent(45*time.Second, func(ev Event) bool { return ev.Name == "requesting" })
		if err == nil && asked.Fields["request_id"] == nil {
			err = fmt.Errorf("request not sent: %s", asked.Str("error"))
		}
		if err == nil {
			done, err = nodeB.WaitEvent(45*time.Second, func(ev Event) bool {
				return ev.Name == "request_done" && ev.Uint("request_id") == asked.Uint("request_id")
			})
		}
		nodeB.Stop(5 * time.Second)
		if err != nil {
			rep.disagree("%s from libp2pc: no answer (%v); log %s", what, err, nodeB.LogPath)
			rangeErrors++
			return got
		}
		if done.Uint("status") != 0 {
			rep.disagree("%s from libp2pc: %s", what, done.Str("error"))
			rangeErrors++
		}
		i := 0
		for _, ev := range nodeB.Events() {
			if ev.Name != "response_chunk" || ev.Uint("request_id") != done.Uint("request_id") {
				continue
			}
			rangeChunks++
			if ev.Uint("code") != 0 {
				rep.disagree("%s: error chunk %d: %s", what, ev.Uint("code"), ev.Str("message"))
				continue
			}
			if i >= len(want) {
				rep.disagree("%s: more chunks than Prysm's %d canonical blocks", what, len(want))
				break
			}
			got[want[i]] = ev.Str("sha256") + "/" + ev.Str("context")
			i++
		}
		return got
	}
	served, servedByRoot := map[uint64]string{}, map[uint64]string{}
	for start := uint64(1); start <= headSlot; start += 64 {
		count := min(64, headSlot-start+1)
		body := make([]byte, 24)
		binary.LittleEndian.PutUint64(body[0:], start)
		binary.LittleEndian.PutUint64(body[8:], count)
		binary.LittleEndian.PutUint64(body[16:], 1)
		var want []uint64
		var roots []byte
		for _, s := range slots {
			if s >= start && s < start+count {
				want = append(want, s)
				r, _ := hex.DecodeString(normHex(canonical[s].hdr.Root))
				roots = append(roots, r...)
			}
		}
		// By range: chunks in slot order. By root: in the order asked.
		maps.Copy(served, ask(fmt.Sprintf("blocks_by_range %d+%d", start, count), "blocks_by_range", body, want))
		if len(want) > 0 {
			maps.Copy(servedByRoot, ask(fmt.Sprintf("blocks_by_root %d..%d", want[0], want[len(want)-1]), "blocks_by_root", roots, want))
		}
	}

	// Stop libp2pc-node; its last line carries the counters. What happens
	// to its connections from now on is our doing.
	close(stopWatch)
	wg.Wait()
	tStopA := time.Now()
	nodeA.Stop(20 * time.Second)
	evs := nodeA.Events()

	// ---- comparisons ----
	type imp struct {
		root, stateRoot string
		at              time.Time
	}
	imported := map[uint64][]imp{}
	var invalid, dropped, goodbyes, disconnects, banned, syncs, errs []string
	var stopped Event
	for _, ev := range evs {
		switch ev.Name {
		case "block_imported":
			imported[ev.Uint("slot")] = append(imported[ev.Uint("slot")], imp{ev.Str("root"), ev.Str("state_root"), ev.At})
		case "block_invalid":
			invalid = append(invalid, fmt.Sprintf("slot %d %s: %s", ev.Uint("slot"), ev.Str("root"), ev.Str("rule")))
		case "block_dropped":
			dropped = append(dropped, fmt.Sprintf("slot %d %s: %s", ev.Uint("slot"), ev.Str("root"), ev.Str("reason")))
		case "peer_goodbye":
			goodbyes = append(goodbyes, fmt.Sprintf("%s reason %d", ev.Str("peer_id"), ev.Uint("reason")))
		case "peer_disconnected":
			if ev.Str("peer_id") == idPre.PeerID && ev.At.Before(tStopA) {
				disconnects = append(disconnects, ev.Str("reason"))
			}
		case "peer_banned":
			banned = append(banned, fmt.Sprintf("%s: %s", ev.Str("peer_id"), ev.Str("reason")))
		case "sync_progress":
			syncs = append(syncs, fmt.Sprintf("target %d: %s", ev.Uint("target_slot"), ev.Str("progress")))
		case "error":
			errs = append(errs, ev.Str("error"))
		case "stopped":
			stopped = ev
		}
	}
	type row struct {
		canonical, imported, stateEqual, missing, mismatch, timely, blobBlocks, blobs int
		served, servedEqual, byRoot, byRootEqual                                      int
	}
	rows := map[string]*row{"electra": {}, "fulu": {}}
	for _, s := range slots {
		if s > prysmHead.Slot {
			continue // past Prysm's head at the snapshot
		}
		pb := canonical[s]
		r := rows[e.forkOf(s)]
		r.canonical++
		if pb.blobs > 0 {
			r.blobBlocks++
			r.blobs += pb.blobs
		}
		var got *imp
		for i := range imported[s] {
			if imported[s][i].root == normHex(pb.hdr.Root) {
				got = &imported[s][i]
			}
		}
		switch {
		case got == nil && len(imported[s]) == 0:
			r.missing++
			rep.disagree("slot %d (%s): Prysm's block %s was never imported by libp2pc", s, e.forkOf(s), normHex(pb.hdr.Root))
		case got == nil:
			r.mismatch++
			rep.disagree("slot %d: libp2pc imported %s, Prysm's canonical block is %s", s, imported[s][0].root, normHex(pb.hdr.Root))
		default:
			r.imported++
			if got.stateRoot == normHex(pb.hdr.StateRoot) {
				r.stateEqual++
			} else {
				r.mismatch++
				rep.disagree("slot %d (%s): post-state root libp2pc %s, Prysm %s", s, e.forkOf(s), got.stateRoot, normHex(pb.hdr.StateRoot))
			}
			if got.at.Sub(slotStart(s)) < time.Duration(e.sps)*time.Second {
				r.timely++
			}
		}
		if got, ok := served[s]; ok {
			r.served++
			want := pb.sha + "/" + digestOf(s)
			if got == want {
				r.servedEqual++
			} else {
				rep.disagree("slot %d: served by range as sha256/context %s, Prysm's block %s", s, got, want)
			}
		} else if rangeErrors == 0 && s <= headSlot {
			rep.disagree("slot %d: not served back by range", s)
		}
		if got, ok := servedByRoot[s]; ok {
			r.byRoot++
			if want := pb.sha + "/" + digestOf(s); got == want {
				r.byRootEqual++
			} else {
				rep.disagree("slot %d: served by root as sha256/context %s, Prysm's block %s", s, got, want)
			}
		} else if rangeErrors == 0 && s <= headSlot {
			rep.disagree("slot %d: not served back by root", s)
		}
	}
	for _, l := range invalid {
		rep.disagree("block_invalid: %s", l)
	}
	for _, l := range dropped {
		rep.note("block_dropped: %s", l)
	}
	for _, l := range banned {
		rep.disagree("peer_banned: %s", l)
	}
	for _, l := range disconnects {
		rep.disagree("Prysm disconnected from libp2pc-node: %s", l)
	}
	for _, l := range goodbyes {
		rep.disagree("goodbye received: %s", l)
	}
	peerMu.Lock()
	if peerConnected == 0 || peerGaps > 0 {
		rep.disagree("Prysm's peer list: libp2pc connected in %d of %d samples, %d samples not connected after joining (%s)",
			peerConnected, peerSamples, peerGaps, strings.Join(peerStates, " → "))
	}
	peerMu.Unlock()
	prysmLines := prysmLogAbout(filepath.Join(e.runDir, "beacon.log"), ourID)
	for _, l := range prysmLines {
		rep.note("Prysm log: %s", l)
	}

	// ---- the table ----
	var b strings.Builder
	fmt.Fprintf(&b, "\n==== libp2pc follows Prysm (FORK=%s FULU=%d SPS=%d, joined at slot %d, snapshot at slot %d) ====\n",
		e.fork, e.fulu, e.sps, e.joinSlot, e.endSlot)
	fmt.Fprintf(&b, "%-8s %9s %9s %11s %8s %9s %9s %11s %6s %8s %8s\n", "fork", "canonical", "imported", "state-equal",
		"missing", "mismatch", "<=1 slot", "blob blocks", "blobs", "by-range", "by-root")
	for _, f := range []string{"electra", "fulu"} {
		r := rows[f]
		fmt.Fprintf(&b, "%-8s %9d %9d %11d %8d %9d %9d %11d %6d %8s %8s\n", f, r.canonical, r.imported, r.stateEqual,
			r.missing, r.mismatch, r.timely, r.blobBlocks, r.blobs, fmt.Sprintf("%d/%d", r.servedEqual, r.served),
			fmt.Sprintf("%d/%d", r.byRootEqual, r.byRoot))
	}
	fmt.Fprintf(&b, "head      libp2pc slot %d %s | Prysm slot %d %s\n", headSlot, short(headRoot), prysmHead.Slot, short(prysmHead.Root))
	fmt.Fprintf(&b, "finalized libp2pc epoch %d %s | Prysm epoch %d %s\n", finEpoch, short(finRoot), prysmFin.Finalized.Epoch, short(prysmFin.Finalized.Root))
	fmt.Fprintf(&b, "justified Prysm epoch %d %s (libp2pc-node does not print it; equal head post-state roots imply it)\n",
		prysmFin.CurrentJustified.Epoch, short(prysmFin.CurrentJustified.Root))
	fmt.Fprintf(&b, "digests   electra %s fulu %s (Prysm's ENR eth2/nfd)\n", idPre.Digest(), hex.EncodeToString(idPre.NextForkD))
	fmt.Fprintf(&b, "status    %s\n", handshake)
	peerMu.Lock()
	fmt.Fprintf(&b, "prysm     peer list: connected %d/%d samples (%s); %d log lines about us; average peer score %s\n", peerConnected, peerSamples,
		strings.Join(peerStates, " → "), len(prysmLines), prysmScore)
	peerMu.Unlock()
	fmt.Fprintf(&b, "served    %d chunks received by range and root in windows of 64 slots (by-range, by-root: equal/served)\n", rangeChunks)
	fmt.Fprintf(&b, "sync      %s\n", strings.Join(syncs, "; "))
	if stopped.Fields != nil {
		fmt.Fprintf(&b, "counters  gossip accepted %d rejected %d ignored %d; requests sent %d, incoming %d, chunks served %d received %d; dropped gossip %d\n",
			stopped.Uint("gossip_accepted"), stopped.Uint("gossip_rejected"), stopped.Uint("gossip_ignored"),
			stopped.Uint("requests_sent"), stopped.Uint("incoming_requests"), stopped.Uint("chunks_served"),
			stopped.Uint("chunks_received"), stopped.Uint("dropped_gossip"))
	}
	blobMu.Lock()
	for _, r := range blobResults {
		fmt.Fprintf(&b, "blobsend  %s\n", r)
	}
	blobMu.Unlock()
	for _, l := range errs {
		fmt.Fprintf(&b, "error     %s\n", l)
	}
	for _, n := range rep.notes {
		fmt.Fprintf(&b, "note      %s\n", n)
	}
	sort.Strings(rep.disagreements)
	fmt.Fprintf(&b, "disagreements: %d\n", len(rep.disagreements))
	for _, d := range rep.disagreements {
		fmt.Fprintf(&b, "  - %s\n", d)
	}
	fmt.Fprintf(&b, "times     REST up %.0fs after start, follow %.0fs, total %.0fs\n", tREST.Seconds(), tFollow.Seconds(), time.Since(tStart).Seconds())
	fmt.Print(b.String())
	if err := os.WriteFile(filepath.Join(e.runDir, "follow-report.txt"), []byte(b.String()), 0o644); err != nil {
		t.Log(err)
	}
	if len(rep.disagreements) > 0 {
		t.Errorf("%d disagreements with Prysm (see the table above; logs in %s)", len(rep.disagreements), e.runDir)
	}
}

func short(h string) string {
	h = normHex(h)
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// prysmLogAbout returns Prysm's log lines that name peer id, at most 40.
func prysmLogAbout(path, peerID string) []string {
	b, err := os.ReadFile(path)
	if err != nil || peerID == "" {
		return nil
	}
	ansi := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, peerID) {
			out = append(out, ansi.ReplaceAllString(l, ""))
			if len(out) == 40 {
				break
			}
		}
	}
	return out
}

// checkDefaultedKeys parses the devnet's config.yaml as libp2pc does and
// checks that every key it lacked (config.Config.DefaultedKeys: taken from
// the PRESET_BASE network's config) has the value Prysm uses, from its
// /eth/v1/config/spec; it returns those keys.
func checkDefaultedKeys(ctx context.Context, b *Beacon, path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := config.ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("libp2pc cannot read the devnet's %s: %w", path, err)
	}
	if len(cfg.DefaultedKeys) == 0 {
		return nil, nil
	}
	spec, err := b.Spec(ctx)
	if err != nil {
		return nil, fmt.Errorf("Prysm config/spec: %w", err)
	}
	for _, k := range cfg.DefaultedKeys {
		if spec[k] != cfg.Raw[k] {
			return nil, fmt.Errorf("config.yaml lacks %s: libp2pc defaults it to %s, Prysm uses %q", k, cfg.Raw[k], spec[k])
		}
	}
	return cfg.DefaultedKeys, nil
}

// prysmMetric returns the value of the first Prometheus sample named name
// (any labels) at url, or "".
func prysmMetric(url, name string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name+"{") || strings.HasPrefix(l, name+" ") {
			if f := strings.Fields(l); len(f) >= 2 {
				return f[len(f)-1]
			}
		}
	}
	return ""
}
