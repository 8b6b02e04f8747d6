// env-exec: the first program of a docker-host container whose environment reads a Secret. Docker
// keeps a container's Env in its configuration, where `docker inspect` shows it to anyone who can
// reach the engine; so podlab leaves the secret variables out of it and writes them to a file on a
// tmpfs, bind-mounted read-only at /.podlab-env (components/docker/secret-env.ts envFile: JSON, "env"
// the secret variables by name, "expandWith" the names of all the container's variables). env-exec
// adds them to its environment, expands $(VAR) in its arguments against the container's variables as
// the kubelet expands a container's command and args (k8s.io/kubernetes
// third_party/forked/golang/expansion; podlab doubles each $ of an image's own ENTRYPOINT and CMD,
// which the kubelet leaves alone), and executes the result in its place, found through PATH as runc
// finds a container's first program.
//
//	env-exec [--no-expand] PROGRAM [ARG...]
//
// --no-expand: the arguments are taken as they are (an exec probe's command, which no kubelet expands).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
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

// envFile is what /.podlab-env holds.
type envFile struct {
	Env        map[string]string `json:"env"`
	ExpandWith []string          `json:"expandWith"`
}

// loadEnv sets the secret variables of file and returns the names $(VAR) may expand.
func loadEnv(file string) (map[string]bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("the container's secret variables: %w", err)
	}
	var f envFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("the container's secret variables in %s: %w", file, err)
	}
	for name, value := range f.Env {
		if err := os.Setenv(name, value); err != nil {
			return nil, fmt.Errorf("setting %s: %w", name, err)
		}
	}
	names := map[string]bool{}
	for _, n := range f.ExpandWith {
		names[n] = true
	}
	return names, nil
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
