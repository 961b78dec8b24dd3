package checkers_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gotwisted/twisted/cred/checkers"
	"github.com/gotwisted/twisted/cred/credentials"
	"github.com/gotwisted/twisted/failure"
)

func ExampleFilePasswordDB() {
	dir, _ := os.MkdirTemp("", "passwd")
	defer os.RemoveAll(dir)
	fn := filepath.Join(dir, "passwd")
	os.WriteFile(fn, []byte("alice:secret\nbob:hunter2\n"), 0o600)

	db := checkers.NewFilePasswordDB(fn, checkers.Cache(true))
	for _, c := range []*credentials.UsernamePassword{
		credentials.NewUsernamePassword("bob", "hunter2"),
		credentials.NewUsernamePassword("bob", "hunter3"),
	} {
		db.RequestAvatarID(c).AddCallbacks(func(id any) (any, error) {
			fmt.Println("authenticated:", id)
			return nil, nil
		}, func(f *failure.Failure) (any, error) {
			fmt.Println("refused:", f.Error())
			return nil, nil
		})
	}
	// Output:
	// authenticated: bob
	// refused: cred: UnauthorizedLogin
}
