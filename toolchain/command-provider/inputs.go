package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

const (
	commandType       = "command:local:Command"
	remoteCommandType = "command:remote:Command"
	runFunction       = "command:local:run"
)

// kind is the wire type of an input; one table drives Check's validation and GetSchema.
type kind int

const (
	kString kind = iota
	kBool
	kStringList
	kStringMap
	kAnyList
	kLogging
	kNumber
	kConnection // command:remote:Connection, checked field by field by validateConnection
)

// baseInputs are shared by the Command resource and the run function (names as in the npm SDK).
var baseInputs = map[string]kind{
	"addPreviousOutputInEnv": kBool,
	"archivePaths":           kStringList,
	"assetPaths":             kStringList,
	"dir":                    kString,
	"environment":            kStringMap,
	"interpreter":            kStringList,
	"logging":                kLogging,
	"stdin":                  kString,
}

var commandInputs = with(baseInputs, map[string]kind{
	"create": kString, "update": kString, "delete": kString, "triggers": kAnyList,
})

var runInputs = with(baseInputs, map[string]kind{"command": kString})

// remoteCommandInputs are command:remote:Command's inputs: no interpreter, dir or asset paths (the
// command runs in the remote user's login shell, in their home directory), but a connection.
var remoteCommandInputs = map[string]kind{
	"addPreviousOutputInEnv": kBool,
	"connection":             kConnection,
	"create":                 kString,
	"delete":                 kString,
	"environment":            kStringMap,
	"logging":                kLogging,
	"stdin":                  kString,
	"triggers":               kAnyList,
	"update":                 kString,
}

// connectionFields are command:remote:Connection's fields (names as in the npm SDK). `proxy` is not
// among them: podlab does not connect through bastion hosts, and Check refuses it.
var connectionFields = map[string]kind{
	"agentSocketPath":    kString,
	"dialErrorLimit":     kNumber,
	"host":               kString,
	"hostKey":            kString,
	"password":           kString,
	"perDialTimeout":     kNumber,
	"port":               kNumber,
	"privateKey":         kString,
	"privateKeyPassword": kString,
	"user":               kString,
}

// secretConnectionFields are the connection's credentials, which the upstream schema marks secret.
var secretConnectionFields = []string{"password", "privateKey", "privateKeyPassword"}

// noRerun lists the Command inputs whose change does not alter what a run produces, so changing
// only them is an in-place update that runs nothing (the new values just land in the state).
var noRerun = map[string]bool{"delete": true, "logging": true, "addPreviousOutputInEnv": true}

// remoteNoRerun adds `connection` for the remote Command: how the host is reached (a new port
// after the VM restarted, a rotated key or password) does not change what the command does on
// it, so a connection-only change stores the new connection (which delete then uses) and runs
// nothing. This deliberately differs from upstream 1.2.1, whose Diff (pulumi-go-provider's
// default for a resource with a custom Update) makes every change except `triggers` an in-place
// update and whose Update then runs `update`, or `create` if there is none: there, a changed
// connection re-runs the command. To re-run a command on a new machine, put something that
// identifies the machine (its resource id) in `triggers`.
var remoteNoRerun = with(noRerun, map[string]bool{"connection": true})

var loggingValues = []string{"stdout", "stderr", "stdoutAndStderr", "none"}

func with[V any](a, b map[string]V) map[string]V {
	m := map[string]V{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

func sortedKeys(m map[string]kind) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validate reports inputs of the wrong type. Unknown values (preview) and nulls always pass;
// secrets are expected to be unwrapped already.
func validate(in resource.PropertyMap, schema map[string]kind) []*pulumirpc.CheckFailure {
	var failures []*pulumirpc.CheckFailure
	for _, key := range sortedKeys(schema) {
		if v, ok := in[resource.PropertyKey(key)]; ok && !fits(schema[key], v) {
			failures = append(failures, &pulumirpc.CheckFailure{
				Property: key,
				Reason:   fmt.Sprintf("%s must be %s, got %s", key, describe(schema[key]), v.TypeString()),
			})
		}
	}
	return failures
}

func fits(k kind, v resource.PropertyValue) bool {
	if v.IsNull() || v.IsComputed() {
		return true
	}
	each := func(ok func(resource.PropertyValue) bool, vs ...resource.PropertyValue) bool {
		for _, e := range vs {
			if !e.IsComputed() && !ok(e) {
				return false
			}
		}
		return true
	}
	switch k {
	case kString:
		return v.IsString()
	case kBool:
		return v.IsBool()
	case kNumber:
		return v.IsNumber()
	case kConnection:
		return v.IsObject()
	case kLogging:
		return v.IsString() && slices.Contains(loggingValues, v.StringValue())
	case kStringList:
		return v.IsArray() && each(resource.PropertyValue.IsString, v.ArrayValue()...)
	case kAnyList:
		return v.IsArray()
	case kStringMap:
		if !v.IsObject() {
			return false
		}
		for _, e := range v.ObjectValue() {
			if !each(resource.PropertyValue.IsString, e) {
				return false
			}
		}
		return true
	}
	return false
}

func describe(k kind) string {
	return map[kind]string{
		kString: "a string", kBool: "a boolean", kStringList: "a list of strings",
		kStringMap: "a map of strings", kAnyList: "a list", kLogging: fmt.Sprintf("one of %q", loggingValues),
		kNumber: "a number", kConnection: "an object",
	}[k]
}

// envName is what the remote Command accepts as an environment variable name: the variables are
// set by `export NAME='value'` lines in the remote shell (see remoteScript), so the name must be
// a plain shell identifier.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validateRemote adds the remote Command's own checks to validate's type checks: a connection is
// required and must pin the host key, and environment names must be shell identifiers. Values of
// the connection never appear in a reason (its credentials are secret).
func validateRemote(in resource.PropertyMap) []*pulumirpc.CheckFailure {
	failures := validate(in, remoteCommandInputs)
	conn, ok := in["connection"]
	if !ok || conn.IsNull() {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "connection", Reason: "connection is required"})
	} else {
		failures = append(failures, validateConnection(conn)...)
	}
	if env := in["environment"]; env.IsObject() {
		for _, name := range env.ObjectValue().StableKeys() {
			if !envName.MatchString(string(name)) {
				failures = append(failures, &pulumirpc.CheckFailure{Property: "environment", Reason: fmt.Sprintf(
					"environment variable name %q cannot be passed to the remote shell: names must match %s",
					name, envName)})
			}
		}
	}
	return failures
}

// validateConnection checks a (secret-free) connection object. Unknown values (preview) pass.
func validateConnection(conn resource.PropertyValue) []*pulumirpc.CheckFailure {
	if !conn.IsObject() {
		return nil // unknown, or not an object: validate already reported that
	}
	c := conn.ObjectValue()
	var failures []*pulumirpc.CheckFailure
	fail := func(field, format string, args ...any) {
		failures = append(failures, &pulumirpc.CheckFailure{
			Property: "connection." + field, Reason: "connection." + field + " " + fmt.Sprintf(format, args...),
		})
	}
	known := func(field string) (resource.PropertyValue, bool) {
		v, ok := c[resource.PropertyKey(field)]
		return v, ok && !v.IsNull() && !v.IsComputed()
	}
	for _, field := range sortedKeys(connectionFields) {
		if v, ok := known(field); ok && !fits(connectionFields[field], v) {
			fail(field, "must be %s, got %s", describe(connectionFields[field]), v.TypeString())
		}
	}
	if v, ok := c["host"]; !ok || v.IsNull() || (v.IsString() && v.StringValue() == "") {
		fail("host", "is required")
	}
	// Upstream ignores the host key when none is given (ssh.InsecureIgnoreHostKey). podlab pins
	// host keys: it knows each VM's host key when it creates the VM, and a command provisioning a
	// machine (often with secrets on stdin or in the environment) must not run on, or hand its
	// credentials to, whatever answers at that address.
	if v, ok := c["hostKey"]; !ok || v.IsNull() || (v.IsString() && v.StringValue() == "") {
		fail("hostKey", "is required: podlab pins SSH host keys, so set it to the server's public host key "+
			`in authorized_keys format (e.g. "ssh-ed25519 AAAA..."), as in the server's /etc/ssh/ssh_host_ed25519_key.pub`)
	} else if v.IsString() {
		if _, err := parseHostKey(v.StringValue()); err != nil {
			fail("hostKey", `does not parse as an SSH public key in authorized_keys format (e.g. "ssh-ed25519 AAAA..."): %v`, err)
		}
	}
	if v, ok := c["proxy"]; ok && !v.IsNull() {
		fail("proxy", "is not supported by podlab's command provider: connect to the host directly")
	}
	whole := func(field string, lowest, highest float64, meaning string) {
		if v, ok := known(field); ok && v.IsNumber() {
			if n := v.NumberValue(); n != math.Trunc(n) || n < lowest || n > highest {
				fail(field, "must be %s, got %v", meaning, n)
			}
		}
	}
	whole("port", 1, 65535, "a port number (1-65535)")
	whole("dialErrorLimit", -1, math.MaxInt32, "a whole number of attempts (-1: unlimited)")
	whole("perDialTimeout", 0, math.MaxInt32, "a whole number of seconds (0: no limit)")
	if key, ok := known("privateKey"); ok && key.IsString() {
		pass := c["privateKeyPassword"]
		switch {
		case pass.IsNull():
			if _, err := parsePrivateKey(key.StringValue(), "", false); err != nil {
				fail("privateKey", "%v", err)
			}
		case pass.IsString():
			if _, err := parsePrivateKey(key.StringValue(), pass.StringValue(), true); err != nil {
				fail("privateKey", "%v", err)
			}
		} // an unknown passphrase is checked when the command runs; a mistyped one is reported above
	}
	return failures
}

// parseHostKey reads a public key in authorized_keys format ("ssh-ed25519 AAAA... comment").
func parseHostKey(text string) (ssh.PublicKey, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	return key, err
}

// parsePrivateKey reads a PEM/OpenSSH private key. Its errors never quote the key.
func parsePrivateKey(key, passphrase string, hasPassphrase bool) (ssh.Signer, error) {
	var signer ssh.Signer
	var err error
	if hasPassphrase {
		signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(passphrase))
	} else {
		signer, err = ssh.ParsePrivateKey([]byte(key))
	}
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, errors.New("is encrypted: set connection.privateKeyPassword")
	case err != nil:
		return nil, fmt.Errorf("does not parse as a private key: %v", err)
	}
	return signer, nil
}

// schemaJSON is a minimal package schema: enough for `pulumi package get-schema` and tools that
// look at types, without the upstream documentation.
func schemaJSON() []byte {
	// module is "local" or "remote": each module has its own Logging enum, as upstream.
	typ := func(module string, k kind) map[string]any {
		switch k {
		case kBool:
			return map[string]any{"type": "boolean"}
		case kNumber:
			return map[string]any{"type": "number"}
		case kStringList:
			return map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
		case kStringMap:
			return map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}
		case kAnyList:
			return map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}}
		case kLogging:
			return map[string]any{"$ref": "#/types/command:" + module + ":Logging"}
		case kConnection:
			return map[string]any{"$ref": "#/types/command:remote:Connection", "secret": true}
		}
		return map[string]any{"type": "string"}
	}
	props := func(module string, schema map[string]kind) map[string]any {
		m := map[string]any{}
		for k, v := range schema {
			m[k] = typ(module, v)
		}
		if t, ok := m["triggers"].(map[string]any); ok {
			t["replaceOnChanges"] = true
		}
		return m
	}
	outputs := func(module string, schema map[string]kind) map[string]any {
		m := props(module, schema)
		m["stdout"] = map[string]any{"type": "string"}
		m["stderr"] = map[string]any{"type": "string"}
		if module == "local" {
			m["assets"] = map[string]any{"type": "object", "additionalProperties": map[string]any{"$ref": "pulumi.json#/Asset"}}
			m["archive"] = map[string]any{"$ref": "pulumi.json#/Archive"}
		}
		return m
	}
	var enum []map[string]any
	for _, v := range loggingValues {
		enum = append(enum, map[string]any{"value": v})
	}
	connection := props("remote", connectionFields)
	for _, f := range secretConnectionFields {
		connection[f].(map[string]any)["secret"] = true
	}
	for f, def := range map[string]any{"port": 22, "user": "root", "dialErrorLimit": 10, "perDialTimeout": 15} {
		connection[f].(map[string]any)["default"] = def
	}
	connection["dialErrorLimit"].(map[string]any)["type"] = "integer"
	connection["perDialTimeout"].(map[string]any)["type"] = "integer"
	connection["hostKey"].(map[string]any)["description"] = "The server's public host key in authorized_keys " +
		"format (e.g. `ssh-ed25519 AAAA...`). Required by podlab, which pins host keys: a server presenting " +
		"another key fails the command before anything runs."
	s := map[string]any{
		"name":    "command",
		"version": version,
		"types": map[string]any{
			"command:local:Logging":  map[string]any{"type": "string", "enum": enum},
			"command:remote:Logging": map[string]any{"type": "string", "enum": enum},
			"command:remote:Connection": map[string]any{
				"type": "object", "properties": connection, "required": []string{"host", "hostKey"},
			},
		},
		"resources": map[string]any{
			commandType: map[string]any{
				"inputProperties": props("local", commandInputs),
				"properties":      outputs("local", commandInputs),
				"required":        []string{"stdout", "stderr"},
			},
			remoteCommandType: map[string]any{
				"inputProperties": props("remote", remoteCommandInputs),
				"requiredInputs":  []string{"connection"},
				"properties":      outputs("remote", remoteCommandInputs),
				"required":        []string{"connection", "stdout", "stderr"},
			},
		},
		"functions": map[string]any{
			runFunction: map[string]any{
				"inputs":  map[string]any{"type": "object", "properties": props("local", runInputs), "required": []string{"command"}},
				"outputs": map[string]any{"type": "object", "properties": outputs("local", runInputs), "required": []string{"stdout", "stderr"}},
			},
		},
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // only static data above
	}
	return b
}
