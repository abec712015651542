package gossip

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/golang/snappy"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
)

// Errors of DecodePayload.
var (
	// ErrCompressedTooLarge: Message.data longer than
	// max_compressed_len(limit).
	ErrCompressedTooLarge = errors.New("gossip: compressed payload too large")
	// ErrDecodedTooLarge: the snappy header declares more than the limit;
	// refused before any allocation.
	ErrDecodedTooLarge = errors.New("gossip: uncompressed payload too large")
	// ErrInvalidSnappy: not a valid snappy block.
	ErrInvalidSnappy = errors.New("gossip: invalid snappy block")
)

// MessageIDLength is the length of every message-id.
const MessageIDLength = 20

// MessageID is a gossip message-id.
type MessageID [MessageIDLength]byte

// EncodePayload snappy-block-compresses an SSZ payload for Message.data.
func EncodePayload(ssz []byte) []byte { return snappy.Encode(nil, ssz) }

// DecodePayload snappy-block-decompresses Message.data, refusing compressed
// input over max_compressed_len(limit) and a declared uncompressed length
// over limit before allocating. A limit of 0 means MAX_PAYLOAD_SIZE; a limit
// above MAX_PAYLOAD_SIZE is lowered to it. Pass the SSZ type's maximum size
// as limit to apply the type-specific bound too.
func DecodePayload(data []byte, limit uint64) ([]byte, error) {
	if limit == 0 || limit > eth2.MaxPayloadSize {
		limit = eth2.MaxPayloadSize
	}
	if uint64(len(data)) > eth2.MaxCompressedLen(limit) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrCompressedTooLarge, len(data), eth2.MaxCompressedLen(limit))
	}
	n, err := snappy.DecodedLen(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSnappy, err)
	}
	if uint64(n) > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrDecodedTooLarge, n, limit)
	}
	out, err := snappy.Decode(make([]byte, n), data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSnappy, err)
	}
	return out, nil
}

func sum(parts ...[]byte) MessageID {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var id MessageID
	copy(id[:], h.Sum(nil))
	return id
}

// MessageIDPhase0 is the phase0 message-id:
// SHA256(MESSAGE_DOMAIN_VALID_SNAPPY + snappy_decompress(data))[:20], or
// SHA256(MESSAGE_DOMAIN_INVALID_SNAPPY + data)[:20] when data does not
// decompress within MAX_PAYLOAD_SIZE (such a message is invalid anyway;
// treating it as undecodable keeps the id computation bounded).
func MessageIDPhase0(data []byte) MessageID {
	if dec, err := DecodePayload(data, 0); err == nil {
		return sum([]byte(eth2.MessageDomainValidSnappy), dec)
	}
	return sum([]byte(eth2.MessageDomainInvalidSnappy), data)
}

// MessageIDAltair is the Altair+ message-id: the domain, the topic length as
// a little-endian Uint64, the topic, then the decompressed data (valid
// snappy) or the raw data (invalid, or over MAX_PAYLOAD_SIZE).
func MessageIDAltair(topic string, data []byte) MessageID {
	var l [8]byte
	binary.LittleEndian.PutUint64(l[:], uint64(len(topic)))
	if dec, err := DecodePayload(data, 0); err == nil {
		return sum([]byte(eth2.MessageDomainValidSnappy), l[:], []byte(topic), dec)
	}
	return sum([]byte(eth2.MessageDomainInvalidSnappy), l[:], []byte(topic), data)
}

// MessageIDForFork picks the message-id function of the fork whose digest
// the topic carries: phase0 for Phase0, the Altair form afterwards.
func MessageIDForFork(fork eth2.Fork, topic string, data []byte) MessageID {
	id, _ := MessageIDAndPayload(fork, topic, data)
	return id
}

// MessageIDAndPayload is MessageIDForFork that also returns the
// decompressed payload it hashed (nil when data does not decompress within
// MAX_PAYLOAD_SIZE), so that validation need not decompress it again.
func MessageIDAndPayload(fork eth2.Fork, topic string, data []byte) (MessageID, []byte) {
	dec, err := DecodePayload(data, 0)
	if fork == eth2.Phase0 {
		if err == nil {
			return sum([]byte(eth2.MessageDomainValidSnappy), dec), dec
		}
		return sum([]byte(eth2.MessageDomainInvalidSnappy), data), nil
	}
	var l [8]byte
	binary.LittleEndian.PutUint64(l[:], uint64(len(topic)))
	if err == nil {
		return sum([]byte(eth2.MessageDomainValidSnappy), l[:], []byte(topic), dec), dec
	}
	return sum([]byte(eth2.MessageDomainInvalidSnappy), l[:], []byte(topic), data), nil
}
