package eth2

import "testing"

func TestForkNames(t *testing.T) {
	want := []string{"GENESIS", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"}
	for i, f := range Forks {
		if f.ConfigName() != want[i] {
			t.Errorf("%s: %s", f, f.ConfigName())
		}
		if g, ok := ForkByConfigName(want[i]); !ok || g != f {
			t.Errorf("%s: lookup %v %v", want[i], g, ok)
		}
	}
	if f, ok := ForkByConfigName("MERGE"); !ok || f != Bellatrix {
		t.Error("MERGE")
	}
	if _, ok := ForkByConfigName("GLOAS"); ok {
		t.Error("GLOAS")
	}
	if Fork(9).String() != "fork(9)" || Fulu.String() != "fulu" {
		t.Error(Fork(9).String())
	}
}
