package main

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	commandType = "command:local:Command"
	runFunction = "command:local:run"
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

// noRerun lists the Command inputs whose change does not alter what a run produces, so changing
// only them is an in-place update that runs nothing (the new values just land in the state).
var noRerun = map[string]bool{"delete": true, "logging": true, "addPreviousOutputInEnv": true}

var loggingValues = []string{"stdout", "stderr", "stdoutAndStderr", "none"}

func with(a, b map[string]kind) map[string]kind {
	m := map[string]kind{}
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
	}[k]
}

// schemaJSON is a minimal package schema: enough for `pulumi package get-schema` and tools that
// look at types, without the upstream documentation.
func schemaJSON() []byte {
	typ := func(k kind) map[string]any {
		switch k {
		case kBool:
			return map[string]any{"type": "boolean"}
		case kStringList:
			return map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
		case kStringMap:
			return map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}
		case kAnyList:
			return map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}}
		case kLogging:
			return map[string]any{"$ref": "#/types/command:local:Logging"}
		}
		return map[string]any{"type": "string"}
	}
	props := func(schema map[string]kind) map[string]any {
		m := map[string]any{}
		for k, v := range schema {
			m[k] = typ(v)
		}
		return m
	}
	outputs := func(schema map[string]kind) map[string]any {
		m := props(schema)
		m["stdout"] = map[string]any{"type": "string"}
		m["stderr"] = map[string]any{"type": "string"}
		m["assets"] = map[string]any{"type": "object", "additionalProperties": map[string]any{"$ref": "pulumi.json#/Asset"}}
		m["archive"] = map[string]any{"$ref": "pulumi.json#/Archive"}
		return m
	}
	var enum []map[string]any
	for _, v := range loggingValues {
		enum = append(enum, map[string]any{"value": v})
	}
	s := map[string]any{
		"name":    "command",
		"version": version,
		"types": map[string]any{
			"command:local:Logging": map[string]any{"type": "string", "enum": enum},
		},
		"resources": map[string]any{
			commandType: map[string]any{
				"inputProperties": props(commandInputs),
				"properties":      outputs(commandInputs),
				"required":        []string{"stdout", "stderr"},
			},
		},
		"functions": map[string]any{
			runFunction: map[string]any{
				"inputs":  map[string]any{"type": "object", "properties": props(runInputs), "required": []string{"command"}},
				"outputs": map[string]any{"type": "object", "properties": outputs(runInputs), "required": []string{"stdout", "stderr"}},
			},
		},
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // only static data above
	}
	return b
}
