package pb

import (
	"fmt"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Echo benchmarks of the structured payloads of cmd/pbbench (a list of 1000 ints and a
// dict of 100 str->int), over loopback TCP and in memory, each through a method that
// takes any (what pbbench's server does) and one that takes the concrete Go type.

func (*benchRoot) RemoteEchoInts(x []int64) []int64              { return x }
func (*benchRoot) RemoteEchoMap(x map[string]int) map[string]int { return x }

func benchIntList() []int {
	l := make([]int, 1000)
	for i := range l {
		l[i] = i
	}
	return l
}

func benchDict() *jelly.Dict {
	d := jelly.NewDict(100)
	for i := 0; i < 100; i++ {
		_ = d.Set(fmt.Sprintf("key%03d", i), i)
	}
	return d
}

func checkIntList(v any) error {
	switch l := v.(type) {
	case []any:
		if len(l) == 1000 && l[0] == int64(0) && l[999] == int64(999) {
			return nil
		}
	}
	return fmt.Errorf("echo of a 1000-int list answered %T", v)
}

func checkDict(v any) error {
	if d, ok := v.(*jelly.Dict); ok && d.Len() == 100 {
		if x, _ := d.Get("key099"); x == int64(99) {
			return nil
		}
	}
	return fmt.Errorf("echo of a 100-entry dict answered %T", v)
}

func benchEcho(b *testing.B, method string, payload any, check func(any) error) {
	benchPB(b, 1, func(root *RemoteReference, i int) *deferred.Deferred {
		return root.CallRemote(method, payload).AddCallback(func(v any) (any, error) { return nil, check(v) })
	})
}

func BenchmarkEchoDict(b *testing.B)      { benchEcho(b, "echo", benchDict(), checkDict) }
func BenchmarkEchoTypedInts(b *testing.B) { benchEcho(b, "echoInts", benchIntList(), checkIntList) }
func BenchmarkEchoTypedMap(b *testing.B)  { benchEcho(b, "echoMap", benchDict(), checkDict) }

// benchEchoInMemory is the same echo between two brokers with no sockets: PB, jelly and
// banana on both sides, nothing else.
func benchEchoInMemory(b *testing.B, method string, payload any, check func(any) error) {
	p := newDirectPair(b, &benchRoot{})
	var err error
	cb := func(v any) (any, error) { err = check(v); return nil, nil }
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		p.root.CallRemote(method, payload).AddCallback(cb)
		p.flush()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

func BenchmarkEchoIntListInMemory(b *testing.B) {
	benchEchoInMemory(b, "echo", benchIntList(), checkIntList)
}
func BenchmarkEchoDictInMemory(b *testing.B) { benchEchoInMemory(b, "echo", benchDict(), checkDict) }
func BenchmarkEchoTypedIntsInMemory(b *testing.B) {
	benchEchoInMemory(b, "echoInts", benchIntList(), checkIntList)
}
func BenchmarkEchoTypedMapInMemory(b *testing.B) {
	benchEchoInMemory(b, "echoMap", benchDict(), checkDict)
}
