// env-exec: the first program of a docker-host container whose environment Docker cannot be given in
// its configuration: variables read from a Secret (Docker keeps a container's Env where `docker
// inspect` shows it to anyone who can reach the engine) and variables known only when the container
// starts (the pod's and the host's IPs, from fieldRef status.podIP(s) and status.hostIP(s)). podlab
// writes the container's whole environment, in the kubelet's order, to a file on a tmpfs,
// bind-mounted read-only at /.podlab-env (components/docker/env-exec.ts envFile). env-exec makes the
// variables in that order as the kubelet's makeEnvironmentVariables does (a literal with $(VAR)
// expanded against the variables before it), expands $(VAR) in its arguments against them as the
// kubelet expands a container's command and args (k8s.io/kubernetes
// third_party/forked/golang/expansion; podlab doubles each $ of an image's own ENTRYPOINT and CMD,
// which the kubelet leaves alone), and executes the result in its place, found through PATH as runc
// finds a container's first program.
//
//	env-exec [--no-expand] PROGRAM [ARG...]
//
// --no-expand: the arguments are taken as they are (an exec probe's command, which no kubelet expands).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// EnvFile is where the container's secret variables are mounted.
const EnvFile = "/.podlab-env"

func main() {
	args := os.Args[1:]
	expandArgs := true
	if len(args) > 0 && args[0] == "--no-expand" {
		expandArgs, args = false, args[1:]
	}
	if len(args) == 0 {
		fail(2, "usage: env-exec [--no-expand] PROGRAM [ARG...]")
	}
	names, err := loadEnv(EnvFile)
	if err != nil {
		fail(126, err.Error())
	}
	if expandArgs {
		// The image's own ENV (PATH, say) is no variable of the container's spec: the kubelet never
		// expands against it.
		lookup := func(name string) (string, bool) {
			if !names[name] {
				return "", false
			}
			return os.LookupEnv(name)
		}
		for i, a := range args {
			args[i] = Expand(a, lookup)
		}
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		fail(127, err.Error())
	}
	if err := syscall.Exec(path, args, os.Environ()); err != nil {
		fail(126, fmt.Sprintf("exec %s: %v", path, err))
	}
}

// Var is one variable of /.podlab-env: a value, a status field read now, or a literal to expand.
type Var struct {
	Name   string  `json:"name"`
	Value  *string `json:"value,omitempty"`
	Field  string  `json:"field,omitempty"`
	Expand *string `json:"expand,omitempty"`
}

// envFile is what /.podlab-env holds.
type envFile struct {
	Env []Var `json:"env"`
}

// loadEnv sets the container's variables from file, in order, and returns their names: the only
// ones $(VAR) may expand.
func loadEnv(file string) (map[string]bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("the container's variables: %w", err)
	}
	var f envFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("the container's variables in %s: %w", file, err)
	}
	// Values and status fields first; then each literal to expand, after the ones it reads: podlab
	// wrote it with everything else already expanded, so what it reads is only status fields and
	// other such literals, set before it in the pod's spec (envFile in env-exec.ts).
	vars, names, pending := map[string]string{}, map[string]bool{}, map[string]string{}
	for _, v := range f.Env {
		names[v.Name] = true
		switch {
		case v.Value != nil:
			vars[v.Name] = *v.Value
		case v.Expand != nil:
			pending[v.Name] = *v.Expand
		case v.Field != "":
			value, err := statusField(v.Field)
			if err != nil {
				return nil, fmt.Errorf("%s from %s: %w", v.Name, v.Field, err)
			}
			vars[v.Name] = value
		}
	}
	var resolve func(name string, seen map[string]bool) (string, bool)
	resolve = func(name string, seen map[string]bool) (string, bool) {
		if v, ok := vars[name]; ok {
			return v, true
		}
		tmpl, ok := pending[name]
		if !ok || seen[name] {
			return "", false
		}
		seen[name] = true
		vars[name] = Expand(tmpl, func(n string) (string, bool) { return resolve(n, seen) })
		return vars[name], true
	}
	for name := range pending {
		resolve(name, map[string]bool{})
	}
	for name, value := range vars {
		if err := os.Setenv(name, value); err != nil {
			return nil, fmt.Errorf("setting %s: %w", name, err)
		}
	}
	return names, nil
}

// statusField reads a status field in the pod's network namespace, which the container shares: the
// pod's IPs are its interfaces' addresses (IPv4 first, as the kubelet lists podIPs), and the host's
// is the default gateway, the Docker host's address on the pod's network (a Docker host has no
// node InternalIP a pod could be told otherwise). The plural fields are comma-separated, as the
// kubelet writes them.
func statusField(field string) (string, error) {
	switch field {
	case "status.podIP", "status.podIPs":
		ips, err := podIPs()
		if err != nil || len(ips) == 0 {
			return "", fmt.Errorf("no address on the pod's network (%v)", err)
		}
		if field == "status.podIP" {
			return ips[0], nil
		}
		return strings.Join(ips, ","), nil
	case "status.hostIP", "status.hostIPs":
		return defaultGateway("/proc/net/route")
	}
	return "", fmt.Errorf("unknown field")
}

// podIPs are the global unicast addresses of the network namespace's interfaces, IPv4 first.
func podIPs() ([]string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var v4, v6 []string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || !n.IP.IsGlobalUnicast() {
			continue
		}
		if n.IP.To4() != nil {
			v4 = append(v4, n.IP.String())
		} else {
			v6 = append(v6, n.IP.String())
		}
	}
	return append(v4, v6...), nil
}

// defaultGateway is the IPv4 gateway of the default route in a /proc/net/route table (the kernel's
// net/ipv4/fib_trie.c: hex, in host byte order).
func defaultGateway(table string) (string, error) {
	f, err := os.Open(table)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(fields[2])
		if err != nil || len(b) != 4 {
			continue
		}
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, binary.LittleEndian.Uint32(b))
		return ip.String(), nil
	}
	return "", fmt.Errorf("no default route in %s", table)
}

func fail(code int, msg string) {
	fmt.Fprintf(os.Stderr, "podlab env-exec: %s\n", msg)
	os.Exit(code)
}

// Expand is the kubelet's $(VAR) expansion: $(NAME) is NAME's value when it is defined, else left as
// written; $$ is a literal $; any other $ is itself.
func Expand(input string, lookup func(string) (string, bool)) string {
	out := make([]byte, 0, len(input))
	for i := 0; i < len(input); i++ {
		if input[i] != '$' || i+1 >= len(input) {
			out = append(out, input[i])
			continue
		}
		switch next := input[i+1]; next {
		case '$':
			out = append(out, '$')
			i++
		case '(':
			end := -1
			for j := i + 2; j < len(input); j++ {
				if input[j] == ')' {
					end = j
					break
				}
			}
			if end < 0 {
				return string(append(out, input[i:]...))
			}
			name := input[i+2 : end]
			if value, ok := lookup(name); ok && name != "" {
				out = append(out, value...)
			} else {
				out = append(out, input[i:end+1]...)
			}
			i = end
		default:
			out = append(out, '$')
		}
	}
	return string(out)
}
