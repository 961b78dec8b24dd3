package reactor

import (
	"encoding/json"
	"os"
	"testing"
)

// TwistedMessage is one entry of testdata/errors.json, what Twisted 22.4 says
// (testdata/errors_probe.py captures it): the error's class, its str() and the
// getErrorMessage() of a Failure holding it.
type TwistedMessage struct {
	Class           string `json:"class"`
	Str             string `json:"str"`
	GetErrorMessage string `json:"getErrorMessage"`
}

// TwistedMessages loads testdata/errors.json: the error texts by case name, and the lines a
// listening port logs (under "log"). It is exported for the package's external tests.
func TwistedMessages(t testing.TB) (map[string]TwistedMessage, []string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/errors.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	msgs := map[string]TwistedMessage{}
	var log []string
	for k, v := range all {
		var err error
		if k == "log" {
			err = json.Unmarshal(v, &log)
		} else {
			var m TwistedMessage
			err = json.Unmarshal(v, &m)
			msgs[k] = m
		}
		if err != nil {
			t.Fatalf("testdata/errors.json %q: %v", k, err)
		}
	}
	return msgs, log
}
