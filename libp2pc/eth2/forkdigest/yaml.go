package forkdigest

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

func parseBlobSchedule(data []byte) ([]BlobParameters, error) {
	var doc struct {
		BlobSchedule []struct {
			Epoch            *uint64 `yaml:"EPOCH"`
			MaxBlobsPerBlock *uint64 `yaml:"MAX_BLOBS_PER_BLOCK"`
		} `yaml:"BLOB_SCHEDULE"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("forkdigest: BLOB_SCHEDULE: %w", err)
	}
	out := make([]BlobParameters, 0, len(doc.BlobSchedule))
	for i, e := range doc.BlobSchedule {
		if e.Epoch == nil || e.MaxBlobsPerBlock == nil {
			return nil, fmt.Errorf("forkdigest: BLOB_SCHEDULE entry %d lacks EPOCH or MAX_BLOBS_PER_BLOCK", i)
		}
		out = append(out, BlobParameters{Epoch: *e.Epoch, MaxBlobsPerBlock: *e.MaxBlobsPerBlock})
	}
	return out, nil
}
