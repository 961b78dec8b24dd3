package reactor

import (
	"errors"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// sockaddrToAddr converts a kernel socket address to the net.Addr a protocol sees:
// *net.TCPAddr for IPv4/IPv6 (Twisted's IPv4Address/IPv6Address) and *net.UnixAddr for UNIX
// sockets (UNIXAddress).
func sockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: sa.Port}
	case *unix.SockaddrInet6:
		ip := make(net.IP, net.IPv6len)
		copy(ip, sa.Addr[:])
		zone := ""
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				zone = ifi.Name
			} else {
				zone = strconv.Itoa(int(sa.ZoneId))
			}
		}
		return &net.TCPAddr{IP: ip, Port: sa.Port, Zone: zone}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	return nil
}

// ipSockaddr builds the socket address for an IP literal host ("" means the IPv4 wildcard,
// as Twisted's default interface ” does) and returns its family.
// bindSockaddr resolves a ConnectConfig.BindAddress ("host:port", IP addresses only).
func bindSockaddr(hostport string) (unix.Sockaddr, error) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, errors.New("bad bind port " + strconv.Quote(p))
	}
	sa, _, err := ipSockaddr(host, port)
	return sa, err
}

func ipSockaddr(host string, port int) (unix.Sockaddr, int, error) {
	if port < 0 || port > 65535 {
		return nil, 0, errors.New("port out of range: " + strconv.Itoa(port))
	}
	if host == "" {
		return &unix.SockaddrInet4{Port: port}, unix.AF_INET, nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil, 0, err
	}
	if a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Port: port, Addr: a.Unmap().As4()}, unix.AF_INET, nil
	}
	sa := &unix.SockaddrInet6{Port: port, Addr: a.As16()}
	if z := a.Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		} else if n, err := strconv.Atoi(z); err == nil {
			sa.ZoneId = uint32(n)
		}
	}
	return sa, unix.AF_INET6, nil
}

// isIPAddress reports whether host is an IPv4 or IPv6 literal.
func isIPAddress(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

func localAddr(fd int) net.Addr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil
	}
	return sockaddrToAddr(sa)
}

func peerAddr(fd int) net.Addr {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return nil
	}
	return sockaddrToAddr(sa)
}

// connectError maps a connect errno to Twisted's error class (error.getConnectError).
func connectError(err error) error {
	ce := ConnectError{OSError: err}
	switch {
	case errors.Is(err, unix.ECONNREFUSED):
		return &ConnectionRefusedError{ce}
	case errors.Is(err, unix.ETIMEDOUT):
		return &TCPTimedOutError{ce}
	case errors.Is(err, unix.ENETUNREACH): // Twisted's errnoMapping has no EHOSTUNREACH
		return &NoRouteError{ce}
	}
	return &ce
}
