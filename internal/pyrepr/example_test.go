package pyrepr_test

import (
	"fmt"
	"math"

	"github.com/gotwisted/twisted/internal/pyrepr"
)

func ExampleFloat() {
	for _, f := range []float64{100, 0.30000000000000004, 1e-4, 1e-5, 1e16, math.Copysign(0, -1), math.Inf(1)} {
		fmt.Println(pyrepr.Float(f))
	}
	// Output:
	// 100.0
	// 0.30000000000000004
	// 0.0001
	// 1e-05
	// 1e+16
	// -0.0
	// inf
}

func ExampleStr() {
	fmt.Println(pyrepr.Str("hello"))
	fmt.Println(pyrepr.Str("it's"))
	fmt.Println(pyrepr.Str(`it's "quoted"`))
	fmt.Println(pyrepr.Str("tab\there, café\u00a0\u2028"))
	fmt.Println(pyrepr.Str("not UTF-8: \xff"))
	// Output:
	// 'hello'
	// "it's"
	// 'it\'s "quoted"'
	// 'tab\there, café\xa0\u2028'
	// 'not UTF-8: \udcff'
}

func ExampleBytes() {
	fmt.Println(pyrepr.Bytes([]byte("GET / HTTP/1.0\r\n")))
	fmt.Println(pyrepr.Bytes([]byte("caf\xc3\xa9\x00")))
	// Output:
	// b'GET / HTTP/1.0\r\n'
	// b'caf\xc3\xa9\x00'
}
