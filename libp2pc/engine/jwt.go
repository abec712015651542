package engine

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
	"github.com/golang-jwt/jwt/v4"
)

// JWTSecret is the 32-byte HS256 key shared with the execution client
// (execution-apis src/engine/authentication.md).
type JWTSecret [32]byte

// ErrJWTSecret marks a secret file or string that is not 32 hex-encoded
// bytes.
var ErrJWTSecret = errors.New("engine: bad JWT secret")

// ParseJWTSecret reads the usual secret text: 64 hex digits, optionally
// 0x-prefixed, surrounding white space ignored.
func ParseJWTSecret(text string) (JWTSecret, error) {
	s := strings.TrimSpace(text)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	var out JWTSecret
	if len(s) != 2*len(out) {
		return out, fmt.Errorf("%w: %d hex digits, want %d", ErrJWTSecret, len(s), 2*len(out))
	}
	if _, err := hex.Decode(out[:], []byte(s)); err != nil {
		return JWTSecret{}, fmt.Errorf("%w: %v", ErrJWTSecret, err)
	}
	return out, nil
}

// LoadJWTSecret reads a secret file (the file geth's --authrpc.jwtsecret
// and every consensus client's --jwt-secret take).
func LoadJWTSecret(path string) (JWTSecret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return JWTSecret{}, fmt.Errorf("%w: %v", ErrJWTSecret, err)
	}
	s, err := ParseJWTSecret(string(b))
	if err != nil {
		return JWTSecret{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// jwtAuth signs every HTTP request with a fresh token whose iat is now (the
// execution client refuses tokens more than 60 s off its clock). It is
// go-ethereum's node.NewJWTAuth, written here so the library does not link
// go-ethereum's node package (p2p, databases) for eight lines.
func jwtAuth(secret JWTSecret, now func() time.Time) rpc.HTTPAuth {
	return func(h http.Header) error {
		token := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iat": &jwt.NumericDate{Time: now()},
		})
		signed, err := token.SignedString(secret[:])
		if err != nil {
			return fmt.Errorf("engine: signing the JWT: %w", err)
		}
		h.Set("Authorization", "Bearer "+signed)
		return nil
	}
}
