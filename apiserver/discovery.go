package apiserver

import (
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Discovery: the documents kubectl and client-go read to learn what the
// server serves, in Kubernetes' legacy (unaggregated) form: a client asking
// for aggregated discovery (application/json;g=apidiscovery.k8s.io;v=v2)
// gets these and falls back to reading them, as it does with older
// servers.

// versionInfo is the body of /version, shaped as Kubernetes'
// k8s.io/apimachinery/pkg/version.Info.
type versionInfo struct {
	Major        string `json:"major"`
	Minor        string `json:"minor"`
	GitVersion   string `json:"gitVersion"`
	GitCommit    string `json:"gitCommit"`
	GitTreeState string `json:"gitTreeState"`
	BuildDate    string `json:"buildDate"`
	GoVersion    string `json:"goVersion"`
	Compiler     string `json:"compiler"`
	Platform     string `json:"platform"`
}

var gitVersionRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-+][0-9A-Za-z.+-]*)?$`)

// parseGitVersion returns the major and minor version of a semantic
// version "vX.Y.Z[-pre][+build]".
func parseGitVersion(v string) (major, minor string, err error) {
	m := gitVersionRE.FindStringSubmatch(v)
	if m == nil {
		return "", "", fmt.Errorf("apiserver: GitVersion %q is not a semantic version vX.Y.Z", v)
	}
	return m[1], m[2], nil
}

// serveVersion answers /version.
func (s *Server) serveVersion(w http.ResponseWriter) {
	major, minor, _ := parseGitVersion(s.opts.GitVersion)
	writeJSON(w, http.StatusOK, versionInfo{
		Major: major, Minor: minor, GitVersion: s.opts.GitVersion,
		GitTreeState: "clean", BuildDate: "1970-01-01T00:00:00Z",
		GoVersion: runtime.Version(), Compiler: runtime.Compiler,
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	})
}

// serveHealth answers /healthz, /livez and /readyz (and their named
// checks, such as /readyz/ping): "ok", or for readyz before Start returns
// and after Close, 500.
func (s *Server) serveHealth(w http.ResponseWriter, ri *requestInfo) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if ri.health == "readyz" && !s.ready.Load() {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("[-]informer-sync failed: not ready\nreadyz check failed\n"))
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
}

// serverAddresses is the serverAddressByClientCIDRs of /api and /apis.
func serverAddresses(r *http.Request) []metav1.ServerAddressByClientCIDR {
	return []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}
}

// serveAPIVersions answers /api.
func (s *Server) serveAPIVersions(w http.ResponseWriter, r *http.Request) {
	var versions []string
	for _, key := range s.gvOrder {
		if gv := s.groupVersions[key]; gv.group == "" {
			versions = append(versions, gv.version)
		}
	}
	sortVersions(versions)
	writeJSON(w, http.StatusOK, &metav1.APIVersions{
		TypeMeta:                   metav1.TypeMeta{Kind: "APIVersions"},
		Versions:                   versions,
		ServerAddressByClientCIDRs: serverAddresses(r),
	})
}

// apiGroup returns the discovery document of a named group, or nil.
func (s *Server) apiGroup(group string) *metav1.APIGroup {
	var versions []string
	for _, key := range s.gvOrder {
		if gv := s.groupVersions[key]; gv.group == group {
			versions = append(versions, gv.version)
		}
	}
	if len(versions) == 0 || group == "" {
		return nil
	}
	sortVersions(versions)
	g := &metav1.APIGroup{TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}, Name: group}
	for _, v := range versions {
		g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: group + "/" + v, Version: v})
	}
	g.PreferredVersion = g.Versions[0]
	return g
}

// serveAPIGroupList answers /apis.
func (s *Server) serveAPIGroupList(w http.ResponseWriter) {
	list := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{}}
	seen := map[string]bool{}
	for _, key := range s.gvOrder {
		group := s.groupVersions[key].group
		if group == "" || seen[group] {
			continue
		}
		seen[group] = true
		g := s.apiGroup(group)
		g.TypeMeta = metav1.TypeMeta{}
		list.Groups = append(list.Groups, *g)
	}
	writeJSON(w, http.StatusOK, list)
}

// serveAPIGroup answers /apis/{group}.
func (s *Server) serveAPIGroup(w http.ResponseWriter, group string) {
	writeJSON(w, http.StatusOK, s.apiGroup(group))
}

// The verbs of a resource in discovery.
var (
	verbsAll          = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	verbsNoCollection = []string{"create", "delete", "get", "list", "patch", "update", "watch"}
	verbsGetUpdate    = []string{"get", "patch", "update"}
)

// serveResourceList answers /api/v1 and /apis/{group}/{version}.
func (s *Server) serveResourceList(w http.ResponseWriter, gv *groupVersion) {
	list := &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: gv.resources[0].info.APIVersion(),
		APIResources: []metav1.APIResource{},
	}
	for _, r := range gv.resources {
		verbs := verbsAll
		if r.info.Group == "" && r.info.Plural == "namespaces" {
			verbs = verbsNoCollection
		}
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name:               r.info.Plural,
			SingularName:       r.info.Singular,
			Namespaced:         r.info.Namespaced,
			Kind:               r.info.Kind,
			Verbs:              verbs,
			ShortNames:         r.info.ShortNames,
			Categories:         r.info.Categories,
			StorageVersionHash: storageVersionHash(r),
		})
		sub := func(name, group, version, kind string, verbs []string) {
			list.APIResources = append(list.APIResources, metav1.APIResource{
				Name: r.info.Plural + "/" + name, Namespaced: r.info.Namespaced,
				Group: group, Version: version, Kind: kind, Verbs: verbs,
			})
		}
		if s.hasSubresource(r, "binding") {
			sub("binding", "", "", "Binding", []string{"create"})
			sub("eviction", "policy", "v1", "Eviction", []string{"create"})
		}
		if s.hasSubresource(r, "finalize") {
			sub("finalize", "", "", r.info.Kind, []string{"update"})
		}
		if s.hasSubresource(r, "scale") {
			sub("scale", "autoscaling", "v1", "Scale", verbsGetUpdate)
		}
		if r.hasStatus() {
			sub("status", "", "", r.info.Kind, verbsGetUpdate)
		}
	}
	writeJSON(w, http.StatusOK, list)
}

// storageVersionHash is a short stable digest of the resource's storage
// identity, which clients use only to notice changes.
func storageVersionHash(r *resource) string {
	h := uint64(14695981039346656037)
	for _, c := range []byte(r.info.APIVersion() + "/" + r.info.Kind) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for i := 0; i < 11; i++ {
		b.WriteByte(alphabet[h&63])
		h >>= 6
	}
	return b.String() + "="
}

// versionRE splits a Kubernetes version: v<major>[(alpha|beta)<minor>].
var versionRE = regexp.MustCompile(`^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$`)

// sortVersions orders versions as Kubernetes prefers them: GA before beta
// before alpha, higher numbers first, unparsable ones last by name.
func sortVersions(vs []string) {
	rank := func(v string) (int, int, int, bool) {
		m := versionRE.FindStringSubmatch(v)
		if m == nil {
			return 0, 0, 0, false
		}
		major, _ := strconv.Atoi(m[1])
		level := 3
		switch m[2] {
		case "beta":
			level = 2
		case "alpha":
			level = 1
		}
		minor, _ := strconv.Atoi(m[3])
		return level, major, minor, true
	}
	slices.SortStableFunc(vs, func(a, b string) int {
		la, ma, na, oka := rank(a)
		lb, mb, nb, okb := rank(b)
		switch {
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		case !oka:
			return strings.Compare(a, b)
		case la != lb:
			return lb - la
		case ma != mb:
			return mb - ma
		}
		return nb - na
	})
}
