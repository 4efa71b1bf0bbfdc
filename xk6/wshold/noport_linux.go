package wshold

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// bindAddressNoPort sets IP_BIND_ADDRESS_NO_PORT on a socket about to be bound to a source
// address (k6's --local-ips): the port is then picked at connect(), per destination, instead of
// at bind(), where Linux searches the whole ephemeral range for a port free on that address,
// even ports first. Past about half the range (some 14,000 sockets from one address here)
// every bind scanned thousands of ports, and the ramp stalled with k6 on both cores.
func bindAddressNoPort(_, _ string, c syscall.RawConn) error {
	var err error
	if cerr := c.Control(func(fd uintptr) {
		err = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	}); cerr != nil {
		return cerr
	}
	return err
}
