package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageJSON is the part of a package.json this host reads. Pulumi's generated Node SDKs carry a
// "pulumi" block naming the resource plugin they need, e.g.
//
//	"pulumi": {"resource": true, "name": "docker", "version": "5.0.0", "server": "https://..."}
type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *pulumiBlock      `json:"pulumi"`
}

type pulumiBlock struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
	// Set by SDKs generated for a parameterized provider (one plugin serving several packages).
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   []byte `json:"value"` // base64 in the JSON
	} `json:"parameterization"`
}

func readPackageJSON(dir string) (*packageJSON, error) {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var pj packageJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "package.json"), err)
	}
	return &pj, nil
}

// findUp returns the first dir/name that exists, going from dir up to the filesystem root: the
// way Node looks for node_modules, so hoisted (workspace) layouts work too.
func findUp(dir, name string) (string, bool) {
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// findSDK locates a file or folder of the @pulumi/pulumi package installed for the program in dir.
func findSDK(dir, rel string) (string, error) {
	p, ok := findUp(dir, filepath.Join("node_modules", "@pulumi", "pulumi", rel))
	if !ok {
		return "", fmt.Errorf("it looks like the Pulumi SDK has not been installed: no "+
			"node_modules/@pulumi/pulumi/%s in %s or any parent directory; have you run `npm install`?", rel, dir)
	}
	return p, nil
}

// resourcePackages lists the resource plugins required by the packages installed for the program
// in dir: every package.json under the nearest node_modules (nested node_modules included, where
// npm puts conflicting versions) whose pulumi block says resource: true.
func resourcePackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	nm, ok := findUp(dir, "node_modules")
	if !ok {
		return nil, nil // nothing installed; Run will say so
	}
	seen := map[string]bool{}
	var out []*pulumirpc.PackageDependency
	err := walkPackages(nm, map[string]bool{}, func(pj *packageJSON) {
		b := pj.Pulumi
		if b == nil || !b.Resource {
			return
		}
		dep := &pulumirpc.PackageDependency{
			Kind:    "resource",
			Name:    b.Name,
			Version: strings.TrimPrefix(b.Version, "v"),
			Server:  b.Server,
		}
		if dep.Name == "" { // older SDKs: the plugin is named after the package
			dep.Name = strings.TrimPrefix(pj.Name, "@pulumi/")
		}
		if dep.Version == "" {
			dep.Version = strings.TrimPrefix(pj.Version, "v")
		}
		key := dep.Name + "@" + dep.Version + " " + dep.Server
		if p := b.Parameterization; p != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
			key += " " + p.Name + "@" + p.Version
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, dep)
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out, err
}

// walkPackages calls fn for each package installed in the node_modules folder nm and, recursively,
// in the packages' own node_modules. visited (real paths) guards against symlink loops.
func walkPackages(nm string, visited map[string]bool, fn func(*packageJSON)) error {
	real, err := filepath.EvalSymlinks(nm)
	if err != nil || visited[real] {
		return nil // absent, or already seen
	}
	visited[real] = true
	entries, err := os.ReadDir(nm)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") { // .bin, .package-lock.json, ...
			continue
		}
		dirs := []string{filepath.Join(nm, name)}
		if strings.HasPrefix(name, "@") { // a scope: its children are the packages
			scoped, err := os.ReadDir(dirs[0])
			if err != nil {
				continue
			}
			dirs = dirs[:0]
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(nm, name, s.Name()))
			}
		}
		for _, d := range dirs {
			// A missing or malformed package.json cannot declare a plugin, and must not stop a
			// deployment either: skip it.
			if pj, err := readPackageJSON(d); err == nil {
				fn(pj)
			}
			if err := walkPackages(filepath.Join(d, "node_modules"), visited, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// programDependencies lists the direct dependencies in the program's package.json with the
// versions actually installed (or the requested range when not installed).
func programDependencies(dir string) ([]*pulumirpc.DependencyInfo, error) {
	pjPath, ok := findUp(dir, "package.json")
	if !ok {
		return nil, fmt.Errorf("no package.json in %s or any parent directory", dir)
	}
	root := filepath.Dir(pjPath)
	pj, err := readPackageJSON(root)
	if err != nil {
		return nil, err
	}
	wanted := map[string]string{}
	for n, v := range pj.DevDependencies {
		wanted[n] = v
	}
	for n, v := range pj.Dependencies {
		wanted[n] = v
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(wanted))
	for name, version := range wanted {
		if installed, ok := findUp(root, filepath.Join("node_modules", name)); ok {
			if ipj, err := readPackageJSON(installed); err == nil && ipj.Version != "" {
				version = ipj.Version
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: version})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps, nil
}

// detectPackageManager picks the package manager whose lock file is in dir; npm by default.
func detectPackageManager(dir string) string {
	for _, c := range []struct{ lock, pm string }{
		{"yarn.lock", "yarn"}, {"pnpm-lock.yaml", "pnpm"}, {"bun.lock", "bun"}, {"bun.lockb", "bun"},
	} {
		if _, err := os.Stat(filepath.Join(dir, c.lock)); err == nil {
			return c.pm
		}
	}
	return "npm"
}
