package main

// The pod's cgroup parent and its pod-level limits (spec.resources.limits), kept as declared. Pulumi
// makes the cgroup once (components/docker/cgroup.sh); what removes it behind Pulumi's back (a reboot
// of a cgroupfs host, an admin's rmdir) lets the runtime make it again, bare, when it next starts a
// container under it, and the pod would run on without its limits. The kubelet's pod container
// manager makes each pod's cgroup with its limits before the pod's containers start, on every sync
// (pkg/kubelet/cm/pod_container_manager_linux.go, EnsureExists); the agent does the same for the
// limits: each sync it reads them from the kernel and writes the declared ones back where they differ.
//
// The declared limits are those the cgroup command last applied: it writes them to
// /var/lib/podlab/pod-limits/<pod> ("memory=<bytes>", "cpu_quota_us=<µs per 100 ms>" and, for a
// pod-level CPU request, "cpu_shares=<cgroup v1 shares>"; empty for none), so that an in-place update
// of a limit reaches the agent without replacing it.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpuPeriodUs is the CFS period podlab's cgroup command sets: Kubernetes' 100 ms.
const cpuPeriodUs = 100000

// PodLimits are pod-level limits: memory in bytes, CPU quota in µs per 100 ms period; nil is none.
// CPUShares is the weight of a pod-level CPU request, as cgroup v1 shares (nil: none declared, and
// then not kept).
type PodLimits struct {
	MemoryBytes *int64 `json:"memoryBytes"`
	CPUQuotaUs  *int64 `json:"cpuQuotaUs"`
	CPUShares   *int64 `json:"cpuShares,omitempty"`
}

func (l PodLimits) String() string {
	f := func(v *int64) string {
		if v == nil {
			return "none"
		}
		return strconv.FormatInt(*v, 10)
	}
	s := fmt.Sprintf("memory=%s cpu_quota_us=%s", f(l.MemoryBytes), f(l.CPUQuotaUs))
	if l.CPUShares != nil {
		s += " cpu_shares=" + f(l.CPUShares)
	}
	return s
}

// sameShares says whether the enforced CPU weight is the declared one (always, when none is
// declared); on cgroup v2 the enforced value is cpu.weight, which the declared shares make.
func sameShares(declared, enforced *int64, v2 bool) bool {
	if declared == nil {
		return true
	}
	want := *declared
	if v2 {
		want = cpuWeight(want)
	}
	return enforced != nil && *enforced == want
}

// Same says whether the enforced limits are the declared ones.
func (c PodCgroup) Same(declared, enforced PodLimits) bool {
	v2, _, _ := c.files()
	return samePtr(declared.MemoryBytes, enforced.MemoryBytes) && samePtr(declared.CPUQuotaUs, enforced.CPUQuotaUs) &&
		sameShares(declared.CPUShares, enforced.CPUShares, v2)
}

// cpuWeight is cgroup v2's weight for v1 shares: the kubelet's CpuSharesToCpuWeight.
func cpuWeight(shares int64) int64 { return 1 + ((shares-2)*9999)/262142 }

func samePtr(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// PodCgroup finds a pod's cgroup under the host's cgroup mount (root) and keeps its limits.
type PodCgroup struct {
	Root       string // the host's /sys/fs/cgroup as the agent sees it
	Parent     string // Docker's --cgroup-parent: /pod-foo (cgroupfs) or pod-foo.slice (systemd)
	Driver     string // cgroupfs | systemd
	LimitsFile string // the declared limits, written by the cgroup command
}

// relPath is the cgroup's path below each hierarchy's root. systemd nests a slice in the slices its
// dashes name (systemd.slice(5)): pod-foo.slice is /pod.slice/pod-foo.slice.
func (c PodCgroup) relPath() string {
	if c.Driver != "systemd" {
		return strings.TrimPrefix(c.Parent, "/")
	}
	name := strings.TrimSuffix(c.Parent, ".slice")
	parts := strings.Split(name, "-")
	var dirs []string
	for i := range parts {
		dirs = append(dirs, strings.Join(parts[:i+1], "-")+".slice")
	}
	return filepath.Join(dirs...)
}

// Declared reads the limits file; ok is false when there is none (an older cgroup command).
func (c PodCgroup) Declared() (PodLimits, bool, error) {
	b, err := os.ReadFile(c.LimitsFile)
	if os.IsNotExist(err) {
		return PodLimits{}, false, nil
	}
	if err != nil {
		return PodLimits{}, false, err
	}
	var l PodLimits
	for _, line := range strings.Split(string(b), "\n") {
		k, v, found := strings.Cut(strings.TrimSpace(line), "=")
		if !found || v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return PodLimits{}, false, fmt.Errorf("%s: %q is not a positive number", c.LimitsFile, line)
		}
		switch k {
		case "memory":
			l.MemoryBytes = &n
		case "cpu_quota_us":
			l.CPUQuotaUs = &n
		case "cpu_shares":
			l.CPUShares = &n
		}
	}
	return l, true, nil
}

// files are where the kernel keeps each limit for this pod: cgroup v2's memory.max and cpu.max, or
// v1's memory.limit_in_bytes and cpu.cfs_quota_us (Documentation/admin-guide/cgroup-v2.rst,
// cgroup-v1/memory.rst, scheduler/sched-bwc.rst). A file is "" where its hierarchy does not exist.
func (c PodCgroup) files() (v2 bool, memory, cpu string) {
	rel := c.relPath()
	if _, err := os.Stat(filepath.Join(c.Root, "cgroup.controllers")); err == nil {
		dir := filepath.Join(c.Root, rel)
		return true, filepath.Join(dir, "memory.max"), filepath.Join(dir, "cpu.max")
	}
	return false, filepath.Join(c.Root, "memory", rel, "memory.limit_in_bytes"), filepath.Join(c.Root, "cpu", rel, "cpu.cfs_quota_us")
}

// readLimit reads one limit file: the limit (nil for none) and whether the file exists.
func readLimit(path string, v2 bool) (*int64, bool, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	field := strings.Fields(string(b))
	if len(field) == 0 || field[0] == "max" || field[0] == "-1" {
		return nil, true, nil
	}
	n, err := strconv.ParseInt(field[0], 10, 64)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %q", path, strings.TrimSpace(string(b)))
	}
	// cgroup v1 reports "no memory limit" as the largest page-aligned number (PAGE_COUNTER_MAX pages).
	if !v2 && n >= 1<<62 {
		return nil, true, nil
	}
	return &n, true, nil
}

// Enforced reads the limits the kernel enforces now; exists is false while the pod's cgroup is not
// there (no container of the pod runs: the runtime makes it with the next start).
func (c PodCgroup) Enforced() (l PodLimits, exists bool, err error) {
	v2, memFile, cpuFile := c.files()
	var ok1, ok2 bool
	if l.MemoryBytes, ok1, err = readLimit(memFile, v2); err != nil {
		return l, ok1, err
	}
	if l.CPUQuotaUs, ok2, err = readLimit(cpuFile, v2); err != nil {
		return l, ok1 || ok2, err
	}
	// The CPU weight: cgroup v1's shares, or v2's weight (sameShares compares it to the declared shares).
	if w, ok, err := readLimit(sharesFile(cpuFile, v2), v2); err == nil && ok && w != nil {
		l.CPUShares = w
	}
	return l, ok1 || ok2, nil
}

// sharesFile is the CPU weight's file beside the CPU quota's: cpu.shares (v1) or cpu.weight (v2).
func sharesFile(cpuFile string, v2 bool) string {
	if v2 {
		return filepath.Join(filepath.Dir(cpuFile), "cpu.weight")
	}
	return filepath.Join(filepath.Dir(cpuFile), "cpu.shares")
}

// kernelValue is a limit as the kernel file takes it: the number, or "no limit" ("max" on cgroup v2,
// -1 on v1).
func kernelValue(v *int64, v2 bool) string {
	switch {
	case v != nil:
		return strconv.FormatInt(*v, 10)
	case v2:
		return "max"
	default:
		return "-1"
	}
}

// writeLimit writes one limit file, naming it in the error.
func writeLimit(path, value string) error {
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Restore writes the declared limits where the enforced ones differ; it reports what it changed.
func (c PodCgroup) Restore(declared, enforced PodLimits) ([]string, error) {
	v2, memFile, cpuFile := c.files()
	var changed []string
	if !samePtr(declared.MemoryBytes, enforced.MemoryBytes) {
		v := kernelValue(declared.MemoryBytes, v2)
		if err := writeLimit(memFile, v); err != nil {
			return changed, err
		}
		changed = append(changed, "memory="+v)
	}
	if !samePtr(declared.CPUQuotaUs, enforced.CPUQuotaUs) {
		quota := kernelValue(declared.CPUQuotaUs, v2)
		if v2 {
			if err := writeLimit(cpuFile, quota+" "+strconv.Itoa(cpuPeriodUs)); err != nil {
				return changed, err
			}
		} else {
			if err := writeLimit(filepath.Join(filepath.Dir(cpuFile), "cpu.cfs_period_us"), strconv.Itoa(cpuPeriodUs)); err != nil {
				return changed, err
			}
			if err := writeLimit(cpuFile, quota); err != nil {
				return changed, err
			}
		}
		changed = append(changed, "cpu_quota_us="+quota)
	}
	if !sameShares(declared.CPUShares, enforced.CPUShares, v2) {
		v := *declared.CPUShares
		if v2 {
			v = cpuWeight(v)
		}
		if err := writeLimit(sharesFile(cpuFile, v2), strconv.FormatInt(v, 10)); err != nil {
			return changed, err
		}
		changed = append(changed, "cpu_shares="+strconv.FormatInt(*declared.CPUShares, 10))
	}
	return changed, nil
}
