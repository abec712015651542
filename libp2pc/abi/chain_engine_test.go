package main

import (
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// TestChainConfigEngineFields: the ABI 2.2 engine fields of
// libp2pc_chain_config reach the chain's config from a 2.2 host; a 2.1 host
// (struct ending after ws_checkpoint) keeps its checkpoint field and gets
// no engine, whatever lies past its struct; a 2.0 host neither; a size
// between two released layouts is refused.
func TestChainConfigEngineFields(t *testing.T) {
	v20, v21, full := chainConfigSizes()
	if !(v20 < v21 && v21 < full) {
		t.Fatalf("sizes 2.0 %d, 2.1 %d, 2.2 %d", v20, v21, full)
	}
	secret := [32]byte{1, 2, 3, 31: 9}
	cc, err := chainConfigAtSize(uint32(full), "/tmp/d", "0xab:1", "http://127.0.0.1:8551", "/tmp/jwt.hex", secret)
	if err != nil {
		t.Fatal(err)
	}
	if cc.DataDir != "/tmp/d" || cc.WSCheckpoint != "0xab:1" || cc.Engine.Endpoint != "http://127.0.0.1:8551" ||
		cc.Engine.JWTSecretPath != "/tmp/jwt.hex" || cc.Engine.JWTSecret != secret {
		t.Fatalf("2.2 host: %+v", cc)
	}
	cc, err = chainConfigAtSize(uint32(v21), "/tmp/d", "0xab:1", "http://127.0.0.1:8551", "/tmp/jwt.hex", secret)
	if err != nil {
		t.Fatal(err)
	}
	if cc.WSCheckpoint != "0xab:1" || cc.Engine.Endpoint != "" || cc.Engine.JWTSecretPath != "" || cc.Engine.JWTSecret != ([32]byte{}) {
		t.Fatalf("2.1 host: %+v", cc)
	}
	cc, err = chainConfigAtSize(uint32(v20), "/tmp/d", "0xab:1", "http://x", "", secret)
	if err != nil {
		t.Fatal(err)
	}
	if cc.WSCheckpoint != "" || cc.Engine.Endpoint != "" {
		t.Fatalf("2.0 host: %+v", cc)
	}
	_, err = chainConfigAtSize(uint32(v21+8), "/tmp/d", "", "http://x", "", secret)
	if status.CodeOf(err) != status.InvalidArgument || !strings.Contains(err.Error(), "not the size of any released layout") {
		t.Fatalf("a size inside the 2.2 fields: %v", err)
	}
}
