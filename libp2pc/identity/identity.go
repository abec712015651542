// Package identity loads and saves a node's secp256k1 identity key.
//
// The file holds the 32-byte secp256k1 secret as hex text (optionally
// 0x-prefixed, surrounding whitespace ignored), the format consensus clients
// use for their network keys, so a key can move between libp2pc and them.
package identity

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Generate makes a fresh secp256k1 key.
func Generate() (crypto.PrivKey, error) {
	k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		return nil, status.Errorf(status.Internal, "generate secp256k1 key: %w", err)
	}
	return k, nil
}

// LoadOrCreate reads the key in path; if the file does not exist it
// generates a key and writes it there (mode 0600, parent directories
// created), so the node keeps its peer id across restarts. A file that exists
// but does not hold a valid key is an error, never overwritten.
func LoadOrCreate(path string) (crypto.PrivKey, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err := Generate()
		if err != nil {
			return nil, err
		}
		return k, Save(path, k)
	}
	if err != nil {
		return nil, status.Errorf(status.IO, "read identity key %s: %w", path, err)
	}
	return Parse(raw, path)
}

// Parse decodes the hex file format; name is used in error messages.
func Parse(raw []byte, name string) (crypto.PrivKey, error) {
	text := strings.TrimPrefix(strings.TrimSpace(string(raw)), "0x")
	secret, err := hex.DecodeString(text)
	if err != nil || len(secret) != 32 {
		return nil, status.Errorf(status.InvalidArgument,
			"identity key %s: want 64 hex characters (a 32-byte secp256k1 secret)", name)
	}
	k, err := crypto.UnmarshalSecp256k1PrivateKey(secret)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "identity key %s: %w", name, err)
	}
	return k, nil
}

// Save writes k to path atomically (temporary file, then rename).
func Save(path string, k crypto.PrivKey) error {
	secret, err := k.Raw()
	if err != nil {
		return status.Errorf(status.Internal, "encode identity key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return status.Errorf(status.IO, "create key directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return status.Errorf(status.IO, "write identity key %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = fmt.Fprintf(tmp, "%x\n", secret)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
	}
	if err != nil {
		return status.Errorf(status.IO, "write identity key %s: %w", path, err)
	}
	return nil
}
