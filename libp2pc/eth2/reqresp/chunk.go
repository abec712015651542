package reqresp

import (
	"errors"
	"fmt"
	"io"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

// ResponseCode is the <result> byte of a response chunk.
type ResponseCode uint8

const (
	Success             ResponseCode = 0
	InvalidRequest      ResponseCode = 1
	ServerError         ResponseCode = 2
	ResourceUnavailable ResponseCode = 3
)

func (c ResponseCode) String() string {
	switch c {
	case Success:
		return "Success"
	case InvalidRequest:
		return "InvalidRequest"
	case ServerError:
		return "ServerError"
	case ResourceUnavailable:
		return "ResourceUnavailable"
	}
	return fmt.Sprintf("ResponseCode(%d)", uint8(c))
}

// ErrorMessageBounds are the SSZ bounds of ErrorMessage (List[byte, 256]).
var ErrorMessageBounds = SizeBounds{Min: 0, Max: eth2.MaxErrorMessageLength}

// Chunk is one response_chunk.
type Chunk struct {
	Code ResponseCode
	// Context is the ForkDigest context bytes; set only for a Success chunk
	// of a method with context bytes.
	Context    forkdigest.Digest
	HasContext bool
	// Payload is the SSZ payload of a Success chunk, or the ErrorMessage
	// bytes of any other code.
	Payload []byte
}

// ErrorMessage is the error text of a non-Success chunk.
func (c Chunk) ErrorMessage() string {
	if c.Code == Success {
		return ""
	}
	return string(c.Payload)
}

// BoundsFunc chooses the payload bounds from the context bytes (the zero
// digest for methods without them), since the type can depend on the fork.
type BoundsFunc func(ctx forkdigest.Digest) (SizeBounds, error)

// ReadChunk reads one response chunk: the result byte, the 4 context bytes
// when withContext and the result is Success (an error chunk has none), and
// the payload (bounded by bounds, or by ErrorMessage's 256 for an error
// code). A clean end of the response stream before the result byte is
// io.EOF. Codes 4..255 are returned as read, with their ErrorMessage.
func ReadChunk(r io.Reader, withContext bool, bounds SizeBounds) (Chunk, error) {
	return ReadChunkFunc(r, withContext, func(forkdigest.Digest) (SizeBounds, error) { return bounds, nil })
}

// ReadChunkFunc is ReadChunk with bounds chosen from the context bytes.
func ReadChunkFunc(r io.Reader, withContext bool, bounds BoundsFunc) (Chunk, error) {
	var c Chunk
	code, err := readByte(r)
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return c, err
	}
	c.Code = ResponseCode(code)
	if c.Code != Success {
		p, err := ReadPayload(r, ErrorMessageBounds)
		if err == io.EOF {
			return c, ErrEarlyEOF
		}
		if err != nil {
			if errors.Is(err, ErrLengthTooLarge) {
				return c, fmt.Errorf("%w: %w", ErrBadErrorMessage, err)
			}
			return c, err
		}
		c.Payload = p
		return c, nil
	}
	if withContext {
		if err := readFull(r, c.Context[:]); err != nil {
			return c, err
		}
		c.HasContext = true
	}
	b, err := bounds(c.Context)
	if err != nil {
		return c, err
	}
	p, err := ReadPayload(r, b)
	if err == io.EOF {
		return c, ErrEarlyEOF
	}
	if err != nil {
		return c, err
	}
	c.Payload = p
	return c, nil
}

// EncodeChunk encodes a response chunk. ctx is written only for a Success
// chunk and only when non-nil; an error chunk's payload must be at most 256
// bytes.
func EncodeChunk(code ResponseCode, ctx *forkdigest.Digest, payload []byte) ([]byte, error) {
	if code != Success && len(payload) > eth2.MaxErrorMessageLength {
		return nil, ErrBadErrorMessage
	}
	if uint64(len(payload)) > eth2.MaxPayloadSize {
		return nil, ErrLengthTooLarge
	}
	out := []byte{byte(code)}
	if code == Success && ctx != nil {
		out = append(out, ctx[:]...)
	}
	p, err := EncodePayload(payload)
	if err != nil {
		return nil, err
	}
	return append(out, p...), nil
}

// EncodeErrorChunk encodes an error chunk, truncating msg to 256 bytes.
func EncodeErrorChunk(code ResponseCode, msg string) ([]byte, error) {
	if len(msg) > eth2.MaxErrorMessageLength {
		msg = msg[:eth2.MaxErrorMessageLength]
	}
	return EncodeChunk(code, nil, []byte(msg))
}

// ReadSingleResponse reads the response of a single-chunk method (status,
// goodbye, ping, metadata): one chunk, then the end of the stream.
func ReadSingleResponse(r io.Reader, withContext bool, bounds SizeBounds) (Chunk, error) {
	c, err := ReadChunk(r, withContext, bounds)
	if err == io.EOF {
		return c, ErrEarlyEOF
	}
	if err != nil {
		return c, err
	}
	return c, ExpectEOF(r)
}
