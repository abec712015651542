//go:build devnet

package devnet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/p2p/enr"
)

// Beacon is a client of a beacon node's standard REST API (Prysm's on
// 127.0.0.1:3500 here).
type Beacon struct {
	Base string
	HTTP *http.Client
}

// errNotFound is a 404 answer (an empty slot, an unknown peer).
var errNotFound = errors.New("404 not found")

func (b *Beacon) get(ctx context.Context, path, accept string) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.Base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := b.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, resp.Header, errNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.Header, fmt.Errorf("GET %s: %s: %.300s", path, resp.Status, body)
	}
	return body, resp.Header, nil
}

func (b *Beacon) getJSON(ctx context.Context, path string, out any) error {
	body, _, err := b.get(ctx, path, "application/json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// Genesis is /eth/v1/beacon/genesis.
type Genesis struct {
	Time           uint64
	ValidatorsRoot string // 0x-hex
	ForkVersion    string
}

func (b *Beacon) Genesis(ctx context.Context) (Genesis, error) {
	var r struct {
		Data struct {
			GenesisTime           string `json:"genesis_time"`
			GenesisValidatorsRoot string `json:"genesis_validators_root"`
			GenesisForkVersion    string `json:"genesis_fork_version"`
		} `json:"data"`
	}
	if err := b.getJSON(ctx, "/eth/v1/beacon/genesis", &r); err != nil {
		return Genesis{}, err
	}
	t, err := strconv.ParseUint(r.Data.GenesisTime, 10, 64)
	if err != nil {
		return Genesis{}, fmt.Errorf("genesis_time %q: %w", r.Data.GenesisTime, err)
	}
	return Genesis{Time: t, ValidatorsRoot: r.Data.GenesisValidatorsRoot, ForkVersion: r.Data.GenesisForkVersion}, nil
}

// Identity is /eth/v1/node/identity, with the ENR's fork fields decoded.
type Identity struct {
	PeerID    string
	Addrs     []string
	ENR       string
	ForkID    [16]byte // `eth2`: ENRForkID (digest, next version, next epoch)
	NextForkD []byte   // `nfd` (Fulu), nil when absent
}

// Digest is the current fork digest the ENR announces.
func (id Identity) Digest() string { return hex.EncodeToString(id.ForkID[:4]) }

func (b *Beacon) Identity(ctx context.Context) (Identity, error) {
	var r struct {
		Data struct {
			PeerID       string   `json:"peer_id"`
			ENR          string   `json:"enr"`
			P2PAddresses []string `json:"p2p_addresses"`
		} `json:"data"`
	}
	if err := b.getJSON(ctx, "/eth/v1/node/identity", &r); err != nil {
		return Identity{}, err
	}
	id := Identity{PeerID: r.Data.PeerID, Addrs: r.Data.P2PAddresses, ENR: r.Data.ENR}
	node, err := enode.Parse(enode.ValidSchemes, r.Data.ENR)
	if err != nil {
		return id, fmt.Errorf("identity ENR: %w", err)
	}
	var eth2 []byte
	if err := node.Record().Load(enr.WithEntry("eth2", &eth2)); err != nil || len(eth2) != 16 {
		return id, fmt.Errorf("identity ENR: eth2 entry: %v (%d bytes)", err, len(eth2))
	}
	copy(id.ForkID[:], eth2)
	var nfd []byte
	if node.Record().Load(enr.WithEntry("nfd", &nfd)) == nil {
		id.NextForkD = nfd
	}
	return id, nil
}

// TCPAddr is the first /ip4/127.0.0.1/tcp/... address, with /p2p/<id>.
func (id Identity) TCPAddr() (string, error) {
	for _, a := range id.Addrs {
		if strings.HasPrefix(a, "/ip4/127.0.0.1/tcp/") {
			if !strings.Contains(a, "/p2p/") {
				a += "/p2p/" + id.PeerID
			}
			return a, nil
		}
	}
	return "", fmt.Errorf("no 127.0.0.1 tcp address in %v", id.Addrs)
}

// Peer is one entry of /eth/v1/node/peers.
type Peer struct {
	PeerID    string `json:"peer_id"`
	State     string `json:"state"`
	Direction string `json:"direction"`
	Address   string `json:"last_seen_p2p_address"`
}

func (b *Beacon) Peers(ctx context.Context) ([]Peer, error) {
	var r struct {
		Data []Peer `json:"data"`
	}
	err := b.getJSON(ctx, "/eth/v1/node/peers", &r)
	return r.Data, err
}

// Header is the part of /eth/v1/beacon/headers/{id} the test compares.
type Header struct {
	Root       string
	Slot       uint64
	ParentRoot string
	StateRoot  string
	Canonical  bool
}

// Header returns the block header at id (a slot, "head", a 0x root);
// errNotFound for an empty slot.
func (b *Beacon) Header(ctx context.Context, id string) (Header, error) {
	var r struct {
		Data struct {
			Root      string `json:"root"`
			Canonical bool   `json:"canonical"`
			Header    struct {
				Message struct {
					Slot       string `json:"slot"`
					ParentRoot string `json:"parent_root"`
					StateRoot  string `json:"state_root"`
				} `json:"message"`
			} `json:"header"`
		} `json:"data"`
	}
	if err := b.getJSON(ctx, "/eth/v1/beacon/headers/"+id, &r); err != nil {
		return Header{}, err
	}
	slot, err := strconv.ParseUint(r.Data.Header.Message.Slot, 10, 64)
	if err != nil {
		return Header{}, fmt.Errorf("header %s: slot %q", id, r.Data.Header.Message.Slot)
	}
	m := r.Data.Header.Message
	return Header{Root: r.Data.Root, Slot: slot, ParentRoot: m.ParentRoot, StateRoot: m.StateRoot, Canonical: r.Data.Canonical}, nil
}

// BlockSSZ is /eth/v2/beacon/blocks/{id} as SSZ (a SignedBeaconBlock) and
// the Eth-Consensus-Version header.
func (b *Beacon) BlockSSZ(ctx context.Context, id string) ([]byte, string, error) {
	body, h, err := b.get(ctx, "/eth/v2/beacon/blocks/"+id, "application/octet-stream")
	if err != nil {
		return nil, "", err
	}
	return body, h.Get("Eth-Consensus-Version"), nil
}

// BlobCommitments is the number of blob KZG commitments of block id.
func (b *Beacon) BlobCommitments(ctx context.Context, id string) (int, error) {
	var r struct {
		Data struct {
			Message struct {
				Body struct {
					Commitments []string `json:"blob_kzg_commitments"`
				} `json:"body"`
			} `json:"message"`
		} `json:"data"`
	}
	if err := b.getJSON(ctx, "/eth/v2/beacon/blocks/"+id, &r); err != nil {
		return 0, err
	}
	return len(r.Data.Message.Body.Commitments), nil
}

// Checkpoint is an (epoch, root) pair.
type Checkpoint struct {
	Epoch uint64
	Root  string
}

// Finality is /eth/v1/beacon/states/{id}/finality_checkpoints.
type Finality struct {
	PreviousJustified, CurrentJustified, Finalized Checkpoint
}

func (b *Beacon) Finality(ctx context.Context, state string) (Finality, error) {
	type cp struct {
		Epoch string `json:"epoch"`
		Root  string `json:"root"`
	}
	var r struct {
		Data struct {
			PreviousJustified cp `json:"previous_justified"`
			CurrentJustified  cp `json:"current_justified"`
			Finalized         cp `json:"finalized"`
		} `json:"data"`
	}
	if err := b.getJSON(ctx, "/eth/v1/beacon/states/"+state+"/finality_checkpoints", &r); err != nil {
		return Finality{}, err
	}
	conv := func(c cp) (Checkpoint, error) {
		e, err := strconv.ParseUint(c.Epoch, 10, 64)
		return Checkpoint{Epoch: e, Root: c.Root}, err
	}
	var f Finality
	var err1, err2, err3 error
	f.PreviousJustified, err1 = conv(r.Data.PreviousJustified)
	f.CurrentJustified, err2 = conv(r.Data.CurrentJustified)
	f.Finalized, err3 = conv(r.Data.Finalized)
	return f, errors.Join(err1, err2, err3)
}

// Spec is /eth/v1/config/spec: the node's effective config and preset, as
// strings (list values, e.g. BLOB_SCHEDULE, are left out).
func (b *Beacon) Spec(ctx context.Context) (map[string]string, error) {
	var r struct {
		Data map[string]any `json:"data"`
	}
	if err := b.getJSON(ctx, "/eth/v1/config/spec", &r); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range r.Data {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out, nil
}
