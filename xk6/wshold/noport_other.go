//go:build !linux

package wshold

import "syscall"

// bindAddressNoPort: IP_BIND_ADDRESS_NO_PORT is Linux's; elsewhere bind() picks the port as before.
func bindAddressNoPort(_, _ string, _ syscall.RawConn) error { return nil }
