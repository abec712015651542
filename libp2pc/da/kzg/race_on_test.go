//go:build race

package kzg

const raceEnabled = true
