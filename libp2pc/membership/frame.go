package membership

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Every stream starts with a preamble written by the dispatcher:
//
//	"LPMS" | version (1 byte, = 1) | boot (8 bytes) | seq (8 bytes)
//
// (boot, seq), compared lexicographically, orders the streams of one sender:
// boot is the sender module's start time (Unix ns), seq counts the streams it
// opened. A receiver keeps the newest stream of each sender and closes older
// ones, even when their handlers run out of order.
const (
	preambleMagic   = "LPMS"
	preambleVersion = 1
	PreambleLen     = 21
)

// streamEpoch orders the streams of one sender.
type streamEpoch struct{ boot, seq uint64 }

func (a streamEpoch) less(b streamEpoch) bool {
	return a.boot < b.boot || a.boot == b.boot && a.seq < b.seq
}

// EncodePreamble returns the preamble a stream must start with (see above).
func EncodePreamble(boot, seq uint64) []byte { return encodePreamble(streamEpoch{boot, seq}) }

func encodePreamble(e streamEpoch) []byte {
	b := make([]byte, PreambleLen)
	copy(b, preambleMagic)
	b[4] = preambleVersion
	binary.BigEndian.PutUint64(b[5:], e.boot)
	binary.BigEndian.PutUint64(b[13:], e.seq)
	return b
}

func readPreamble(r io.Reader) (streamEpoch, error) {
	var b [PreambleLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return streamEpoch{}, fmt.Errorf("%w: %v", ErrBadPreamble, err)
	}
	if string(b[:4]) != preambleMagic || b[4] != preambleVersion {
		return streamEpoch{}, fmt.Errorf("%w: magic %q version %d", ErrBadPreamble, b[:4], b[4])
	}
	return streamEpoch{binary.BigEndian.Uint64(b[5:]), binary.BigEndian.Uint64(b[13:])}, nil
}

// Wire format of a stream: a sequence of frames, each a 4-byte big-endian
// unsigned payload length followed by the payload. A reader rejects a length
// larger than its maximum before allocating anything.
const FrameHeaderLen = 4

// MaxFrameLimit is the largest MaxMessageSize a Config may set.
const MaxFrameLimit = 1 << 30

// EncodeFrame returns a new buffer holding the frame (header + payload).
func EncodeFrame(payload []byte) []byte {
	b := make([]byte, FrameHeaderLen+len(payload))
	binary.BigEndian.PutUint32(b, uint32(len(payload)))
	copy(b[FrameHeaderLen:], payload)
	return b
}

// ReadFrame reads one frame from r and returns its payload in a new buffer.
// A length above max yields an error wrapping ErrMessageTooLarge (nothing more
// is read: the caller should close the stream, which is out of sync). A stream
// ending cleanly between frames yields io.EOF; ending inside a frame yields
// io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [FrameHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: frame announces %d bytes, limit %d", ErrMessageTooLarge, n, max)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return p, nil
}
