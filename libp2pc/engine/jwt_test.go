package engine

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

func TestParseJWTSecret(t *testing.T) {
	hex64 := strings.Repeat("0f", 32)
	for _, ok := range []string{hex64, "0x" + hex64, "  " + hex64 + "\n", strings.ToUpper(hex64)} {
		s, err := ParseJWTSecret(ok)
		if err != nil || s[0] != 0x0f || s[31] != 0x0f {
			t.Errorf("%q: %x, %v", ok, s, err)
		}
	}
	for _, bad := range []string{"", hex64[:62], hex64 + "00", "zz" + hex64[2:]} {
		if _, err := ParseJWTSecret(bad); !errors.Is(err, ErrJWTSecret) {
			t.Errorf("%q: got %v, want ErrJWTSecret", bad, err)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "jwt.hex")
	if err := os.WriteFile(path, []byte("0x"+hex64+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadJWTSecret(path); err != nil || s[5] != 0x0f {
		t.Fatalf("LoadJWTSecret: %x, %v", s, err)
	}
	if _, err := LoadJWTSecret(filepath.Join(dir, "missing")); !errors.Is(err, ErrJWTSecret) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestJWTAuthFreshIat: every request gets a token signed HS256 with the
// secret whose iat is the clock at that request.
func TestJWTAuthFreshIat(t *testing.T) {
	secret := JWTSecret{1, 2, 3}
	now := time.Unix(1_800_000_000, 0)
	auth := jwtAuth(secret, func() time.Time { return now })
	iatOf := func() int64 {
		h := http.Header{}
		if err := auth(h); err != nil {
			t.Fatal(err)
		}
		raw, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
		if !ok {
			t.Fatalf("header %q", h.Get("Authorization"))
		}
		claims := jwt.MapClaims{}
		p := jwt.NewParser(jwt.WithoutClaimsValidation())
		tok, err := p.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
			if tok.Method != jwt.SigningMethodHS256 {
				t.Fatalf("method %v", tok.Method)
			}
			return secret[:], nil
		})
		if err != nil || !tok.Valid {
			t.Fatalf("token does not verify with the secret: %v", err)
		}
		return int64(claims["iat"].(float64))
	}
	if got := iatOf(); got != now.Unix() {
		t.Fatalf("iat %d, want %d", got, now.Unix())
	}
	now = now.Add(90 * time.Second)
	if got := iatOf(); got != now.Unix() {
		t.Fatalf("second iat %d, want %d (fresh per request)", got, now.Unix())
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, ep := range []string{"", "127.0.0.1:8551", "ws://127.0.0.1:8551", "http://"} {
		if _, err := New(Config{Endpoint: ep, JWTSecret: JWTSecret{1}}); !errors.Is(err, ErrRequest) {
			t.Errorf("endpoint %q: %v", ep, err)
		}
	}
	if _, err := New(Config{Endpoint: "http://127.0.0.1:8551"}); !errors.Is(err, ErrJWTSecret) {
		t.Errorf("zero secret: %v", err)
	}
	if _, err := New(Config{Endpoint: "http://127.0.0.1:8551", JWTSecretPath: filepath.Join(t.TempDir(), "none")}); !errors.Is(err, ErrJWTSecret) {
		t.Errorf("missing secret file: %v", err)
	}
}
