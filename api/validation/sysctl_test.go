package validation

import "testing"

// TestSysctlNameOK checks sysctlNameOK against sysctlRegexp, which it
// replaces, on every string of up to 6 characters over an alphabet that
// covers each character class of the rule, and on a few longer names.
func TestSysctlNameOK(t *testing.T) {
	const alphabet = "a0-_./A"
	check := func(s string) {
		if got, want := sysctlNameOK(s), sysctlRegexp.MatchString(s); got != want {
			t.Errorf("sysctlNameOK(%q) = %v, regexp says %v", s, got, want)
		}
	}
	var gen func(prefix []byte, n int)
	gen = func(prefix []byte, n int) {
		check(string(prefix))
		if n == 0 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			gen(append(prefix, alphabet[i]), n-1)
		}
	}
	gen(nil, 6)
	for _, s := range []string{
		"net.ipv4.ip_local_port_range", "kernel.shm_rmid_forced", "net/ipv4/conf/eth0.100/forwarding",
		"net.ipv4.conf.eth0/100.forwarding", "kernel.msgmax", "net..ipv4", "net.ipv4.", ".net", "Net.ipv4", "net.ipv4_", "a\n",
	} {
		check(s)
	}
}
