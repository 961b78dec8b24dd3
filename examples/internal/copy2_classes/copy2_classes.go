// Package copy2_classes is copy2_classes.py from Twisted's "Passing Complex Types" howto in
// Go: a Copyable that chooses the state it sends (GetStateToCopy), and the RemoteCopy that
// receives it (SetCopyableState), shared by copy2_sender and copy2_receiver. The package
// has the Python module's name, which the class names on the wire carry.
package copy2_classes //nolint:revive // named after the Python module it ports

import (
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

type FrogPond struct {
	NumFrogs int
	NumToads int
}

func NewFrogPond(numFrogs, numToads int) *FrogPond {
	return &FrogPond{NumFrogs: numFrogs, NumToads: numToads}
}

func (p *FrogPond) Count() int {
	return p.NumFrogs + p.NumToads
}

type SenderPond struct {
	FrogPond
	pb.Copyable
}

func NewSenderPond(numFrogs, numToads int) *SenderPond {
	return &SenderPond{FrogPond: *NewFrogPond(numFrogs, numToads)}
}

func (*SenderPond) JellyClassName() string { return "copy2_classes.SenderPond" }

func (p *SenderPond) GetStateToCopy() (any, error) {
	d, err := jelly.StructState(p) // self.__dict__.copy()
	if err != nil {
		return nil, err
	}
	if err := d.Set("frogsAndToads", p.NumFrogs+p.NumToads); err != nil {
		return nil, err
	}
	d.Delete("numFrogs")
	d.Delete("numToads")
	return d, nil
}

type ReceiverPond struct {
	pb.RemoteCopy
	FrogsAndToads int
}

func (p *ReceiverPond) SetCopyableState(state any) error {
	return jelly.Convert(p, state) // self.__dict__ = state
}

func (p *ReceiverPond) Count() int {
	return p.FrogsAndToads
}

func init() {
	pb.SetUnjellyableForClass("copy2_classes.SenderPond", &ReceiverPond{})
}
