package apiserver

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

const svcPath = "/api/v1/namespaces/default/services"

func TestServiceClusterIPs(t *testing.T) {
	e := newEnv(t, Options{ServiceCIDR: "10.0.0.0/29"})
	cidr := netip.MustParsePrefix("10.0.0.0/29")
	seen := map[string]bool{}
	for i := range 5 {
		var svc corev1.Service
		e.must(http.StatusCreated, "POST", svcPath, fmt.Sprintf(`{"metadata":{"name":"s%d"},"spec":{"ports":[{"port":80}]}}`, i), &svc)
		ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
		if err != nil || !cidr.Contains(ip) || seen[ip.String()] || ip.String() == "10.0.0.1" || ip.String() == "10.0.0.7" {
			t.Fatalf("service %d got cluster IP %q (seen %v)", i, svc.Spec.ClusterIP, seen)
		}
		seen[ip.String()] = true
		if len(svc.Spec.ClusterIPs) != 1 || svc.Spec.ClusterIPs[0] != svc.Spec.ClusterIP ||
			len(svc.Spec.IPFamilies) != 1 || svc.Spec.IPFamilies[0] != corev1.IPv4Protocol ||
			*svc.Spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack {
			t.Errorf("service %d spec: %+v", i, svc.Spec)
		}
	}
	// The range is full.
	code, b := e.do("POST", svcPath, `{"metadata":{"name":"full"},"spec":{"ports":[{"port":80}]}}`)
	if code != http.StatusInternalServerError {
		t.Errorf("full range: %d %s", code, b)
	}
	// Headless and ExternalName services need no address.
	var h corev1.Service
	e.must(http.StatusCreated, "POST", svcPath, `{"metadata":{"name":"h"},"spec":{"clusterIP":"None","selector":{"a":"b"}}}`, &h)
	if h.Spec.ClusterIPs[0] != "None" {
		t.Errorf("headless: %+v", h.Spec)
	}
	e.must(http.StatusCreated, "POST", svcPath, `{"metadata":{"name":"x"},"spec":{"type":"ExternalName","externalName":"example.com"}}`, nil)
	// Deleting frees an address, which can then be asked for by name.
	var s0 corev1.Service
	e.must(http.StatusOK, "GET", svcPath+"/s0", nil, &s0)
	e.must(http.StatusOK, "DELETE", svcPath+"/s0", nil, nil)
	for _, tc := range []struct {
		name, ip string
		code     int
		msg      string
	}{
		{"taken", s0.Spec.ClusterIP, http.StatusCreated, ""},
		{"again", s0.Spec.ClusterIP, http.StatusUnprocessableEntity,
			`Service "again" is invalid: spec.clusterIPs: Invalid value: ["` + s0.Spec.ClusterIP + `"]: failed to allocate IP ` + s0.Spec.ClusterIP + `: provided IP is already allocated`},
		{"outside", "192.168.0.1", http.StatusUnprocessableEntity,
			`Service "outside" is invalid: spec.clusterIPs: Invalid value: ["192.168.0.1"]: failed to allocate IP 192.168.0.1: the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.0.0.0/29`},
		{"v6", "fd00::1", http.StatusUnprocessableEntity, ""},
	} {
		code, b := e.do("POST", svcPath, fmt.Sprintf(`{"metadata":{"name":%q},"spec":{"clusterIP":%q,"ports":[{"port":80}]}}`, tc.name, tc.ip))
		if code != tc.code || (tc.msg != "" && status(t, b).Message != tc.msg) {
			t.Errorf("%s: %d %s", tc.name, code, b)
		}
	}
	// A replace without the cluster IP keeps it.
	var s1 corev1.Service
	e.must(http.StatusOK, "PUT", svcPath+"/s1", `{"metadata":{"name":"s1"},"spec":{"ports":[{"port":81}]}}`, &s1)
	if !seen[s1.Spec.ClusterIP] || s1.Spec.Ports[0].Port != 81 {
		t.Errorf("replaced service: %+v", s1.Spec)
	}
}

func TestServiceNodePorts(t *testing.T) {
	e := newEnv(t, Options{NodePortRange: "30000-30003"})
	var np corev1.Service
	e.must(http.StatusCreated, "POST", svcPath, `{"metadata":{"name":"np"},"spec":{"type":"NodePort","ports":[{"name":"a","port":80},{"name":"b","port":81,"nodePort":30001}]}}`, &np)
	if p := np.Spec.Ports; p[1].NodePort != 30001 || p[0].NodePort < 30000 || p[0].NodePort > 30003 || p[0].NodePort == 30001 {
		t.Fatalf("node ports: %+v", p)
	}
	code, b := e.do("POST", svcPath, `{"metadata":{"name":"dup"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30001}]}}`)
	if st := status(t, b); code != http.StatusUnprocessableEntity ||
		st.Message != `Service "dup" is invalid: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated` {
		t.Errorf("taken node port: %d %s", code, b)
	}
	code, b = e.do("POST", svcPath, `{"metadata":{"name":"far"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":31000}]}}`)
	if st := status(t, b); code != http.StatusUnprocessableEntity ||
		st.Message != `Service "far" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is not in the valid range. The range of valid ports is 30000-30003` {
		t.Errorf("node port out of range: %d %s", code, b)
	}
	// A refused create gave back what it had reserved: its cluster IP and
	// its other node port.
	var lb corev1.Service
	e.must(http.StatusCreated, "POST", svcPath, `{"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","ports":[{"name":"a","port":80},{"name":"b","port":81}]}}`, &lb)
	// Switching np to ClusterIP drops and releases its node ports.
	var cip corev1.Service
	e.must(http.StatusOK, "PATCH", svcPath+"/np", `{"spec":{"type":"ClusterIP"}}`, &cip, "Content-Type", "application/merge-patch+json")
	if cip.Spec.Ports[0].NodePort != 0 || cip.Spec.Ports[1].NodePort != 0 || cip.Spec.ClusterIP != np.Spec.ClusterIP {
		t.Errorf("after switching to ClusterIP: %+v", cip.Spec)
	}
	e.must(http.StatusCreated, "POST", svcPath, `{"metadata":{"name":"reuse"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30001}]}}`, nil)
	// Deleting lb frees its ports.
	e.must(http.StatusOK, "DELETE", svcPath+"/lb", nil, nil)
	for _, p := range lb.Spec.Ports {
		e.must(http.StatusCreated, "POST", svcPath, fmt.Sprintf(`{"metadata":{"name":"p%d"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":%d}]}}`, p.NodePort, p.NodePort), nil)
	}
}
