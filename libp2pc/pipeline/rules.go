package pipeline

import (
	"errors"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
)

// RuleOf names the consensus rule an invalid-block error broke: the
// RuleError's function and rule when there is one, else the error text.
func RuleOf(err error) string {
	var re *transition.RuleError
	if errors.As(err, &re) {
		return re.Error()
	}
	return err.Error()
}
