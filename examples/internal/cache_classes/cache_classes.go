// Package cache_classes is cache_classes.py from Twisted's "Passing Complex Types" howto in
// Go: a Cacheable duck pond whose peers hold a RemoteCache of it, kept current through
// observers, shared by cache_sender and cache_receiver. The package has the Python
// module's name, which the class names on the wire carry.
package cache_classes //nolint:revive // named after the Python module it ports

import (
	"fmt"
	"slices"

	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

type MasterDuckPond struct {
	pb.Cacheable
	observers []*pb.RemoteCacheObserver
	ducks     []string
}

func NewMasterDuckPond(ducks []string) *MasterDuckPond {
	return &MasterDuckPond{ducks: ducks}
}

func (*MasterDuckPond) JellyClassName() string { return "cache_classes.MasterDuckPond" }

func (p *MasterDuckPond) Count() {
	fmt.Printf("I have [%d] ducks\n", len(p.ducks))
}

func (p *MasterDuckPond) AddDuck(duck string) {
	p.ducks = append(p.ducks, duck)
	for _, o := range p.observers {
		o.CallRemote("addDuck", duck)
	}
}

func (p *MasterDuckPond) RemoveDuck(duck string) {
	p.ducks = remove(p.ducks, duck)
	for _, o := range p.observers {
		o.CallRemote("removeDuck", duck)
	}
}

func (p *MasterDuckPond) GetStateToCacheAndObserveFor(perspective any, observer *pb.RemoteCacheObserver) (any, error) {
	p.observers = append(p.observers, observer)
	// you should ignore pb.Cacheable-specific state, like p.observers
	return p.ducks, nil // in this case, just a list of ducks
}

func (p *MasterDuckPond) StoppedObserving(perspective any, observer *pb.RemoteCacheObserver) {
	p.observers = remove(p.observers, observer)
}

// SlaveDuckPond is a cache of a remote MasterDuckPond.
type SlaveDuckPond struct {
	pb.RemoteCache
	cacheducks []string
}

func (p *SlaveDuckPond) Count() int {
	return len(p.cacheducks)
}

func (p *SlaveDuckPond) GetDucks() []string {
	return p.cacheducks
}

func (p *SlaveDuckPond) SetCopyableState(state any) error {
	fmt.Println(" cache - sitting, er, setting ducks")
	return jelly.Convert(&p.cacheducks, state)
}

func (p *SlaveDuckPond) ObserveAddDuck(newDuck string) {
	fmt.Println(" cache - addDuck")
	p.cacheducks = append(p.cacheducks, newDuck)
}

func (p *SlaveDuckPond) ObserveRemoveDuck(deadDuck string) {
	fmt.Println(" cache - removeDuck")
	p.cacheducks = remove(p.cacheducks, deadDuck)
}

func init() {
	pb.SetUnjellyableForClass("cache_classes.MasterDuckPond", &SlaveDuckPond{})
}

// remove is Python's list.remove: it drops the first occurrence of x.
func remove[T comparable](s []T, x T) []T {
	if i := slices.Index(s, x); i >= 0 {
		return slices.Delete(s, i, i+1)
	}
	return s
}
