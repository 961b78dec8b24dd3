package reactor_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/gotwisted/twisted/reactor"
)

// NewListenConfig and NewConnectConfig report what a list of options asks for, starting
// from the reactor's defaults (test doubles record them this way).
func TestOptionConfigs(t *testing.T) {
	listen := []struct {
		opts []reactor.ListenOption
		want reactor.ListenConfig
	}{
		{nil, reactor.ListenConfig{Backlog: 50, Mode: 0o666}},
		{[]reactor.ListenOption{reactor.Interface("::")}, reactor.ListenConfig{Backlog: 50, Mode: 0o666, Interface: "::"}},
		{[]reactor.ListenOption{reactor.Backlog(7), reactor.Mode(0o600), reactor.WantPID(true)},
			reactor.ListenConfig{Backlog: 7, Mode: 0o600, WantPID: true}},
		{[]reactor.ListenOption{reactor.Backlog(7), reactor.Backlog(9)}, reactor.ListenConfig{Backlog: 9, Mode: 0o666}},
	}
	for _, c := range listen {
		if got := reactor.NewListenConfig(c.opts...); got != c.want {
			t.Errorf("NewListenConfig(%d options) = %+v, want %+v", len(c.opts), got, c.want)
		}
	}
	connect := []struct {
		opts []reactor.ConnectOption
		want reactor.ConnectConfig
	}{
		{nil, reactor.ConnectConfig{Timeout: 30 * time.Second}},
		{[]reactor.ConnectOption{reactor.Timeout(0), reactor.CheckPID(true)}, reactor.ConnectConfig{CheckPID: true}},
		{[]reactor.ConnectOption{reactor.BindAddress("127.0.0.1", 4321)},
			reactor.ConnectConfig{Timeout: 30 * time.Second, BindAddress: "127.0.0.1:4321"}},
		{[]reactor.ConnectOption{reactor.BindAddress("::1", 0), reactor.Timeout(time.Second)},
			reactor.ConnectConfig{Timeout: time.Second, BindAddress: "[::1]:0"}},
	}
	for _, c := range connect {
		if got := reactor.NewConnectConfig(c.opts...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("NewConnectConfig(%d options) = %+v, want %+v", len(c.opts), got, c.want)
		}
	}
}
