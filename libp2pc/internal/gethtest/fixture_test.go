package gethtest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFixtureBlob: the stored proofs parse; with GETHTEST_REGEN=1 they are
// computed again and written (slow). Their correctness is checked by geth's
// blob pool in libp2pc/engine's TestGethBlobs.
func TestFixtureBlob(t *testing.T) {
	if os.Getenv("GETHTEST_REGEN") != "" {
		k, err := ComputeBlobKZG(BlobFromSeed(FixtureBlobSeed))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "fixture_blob.txt"), []byte(FormatBlobKZG(k)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	k, err := parseBlobKZG(fixtureBlobText)
	if err != nil {
		t.Fatal(err)
	}
	if FormatBlobKZG(k) != fixtureBlobText {
		t.Fatal("the fixture does not read back as written")
	}
}
