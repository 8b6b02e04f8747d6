package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// provider implements the resource provider gRPC service. Methods it does not override
// (Construct, Call, Parameterize, mappings, ...) answer Unimplemented, which the engine tolerates.
type provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	mu       sync.Mutex
	engine   pulumirpc.EngineClient // nil in unit tests: output is then not logged
	onStatus func(urn, msg string)  // set by tests to see the status lines

	// cancelled is closed by Cancel so that running commands are killed.
	cancelled context.Context
	cancelAll context.CancelFunc
}

func newProvider() *provider {
	ctx, cancel := context.WithCancel(context.Background())
	return &provider{cancelled: ctx, cancelAll: cancel}
}

func (p *provider) connectEngine(addr string) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.engine = pulumirpc.NewEngineClient(conn)
	return nil
}

// logStatus shows a line of command output under the resource in the CLI, as the upstream provider
// does (ephemeral: it is progress, not a diagnostic kept in the update's log).
func (p *provider) logStatus(ctx context.Context, urn, msg string) {
	p.mu.Lock()
	engine, onStatus := p.engine, p.onStatus
	p.mu.Unlock()
	if onStatus != nil {
		onStatus(urn, msg)
	}
	if engine != nil {
		_, _ = engine.Log(ctx, &pulumirpc.LogRequest{
			Severity: pulumirpc.LogSeverity_INFO, Message: msg, Urn: urn, Ephemeral: true,
		})
	}
}

// --- marshalling -----------------------------------------------------------------------------

// unmarshal decodes properties. With keepSecrets the secret markers survive (used for what goes
// back into the state); without, secrets are plain values (used to run commands and to diff, so
// that a value merely becoming secret does not re-run anything).
func unmarshal(s *structpb.Struct, keepSecrets bool) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, plugin.MarshalOptions{
		KeepUnknowns: true, KeepSecrets: keepSecrets, SkipNulls: true, KeepResources: true,
	})
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{
		KeepUnknowns: true, KeepSecrets: true, KeepResources: true,
	})
}

// resourceDef is what differs between the resource types this provider serves.
type resourceDef struct {
	inputs  map[string]kind
	noRerun map[string]bool
	remote  bool
}

var (
	localCommand  = &resourceDef{inputs: commandInputs, noRerun: noRerun}
	remoteCommand = &resourceDef{inputs: remoteCommandInputs, noRerun: remoteNoRerun, remote: true}
)

func resourceOf(urn, typ string) (*resourceDef, error) {
	if typ == "" {
		typ = string(resource.URN(urn).Type())
	}
	switch typ {
	case commandType:
		return localCommand, nil
	case remoteCommandType:
		return remoteCommand, nil
	}
	return nil, fmt.Errorf("unknown resource type %q (this provider serves %s and %s)", typ, commandType, remoteCommandType)
}

// validate reports the inputs Check refuses.
func (d *resourceDef) validate(plain resource.PropertyMap) []*pulumirpc.CheckFailure {
	if d.remote {
		return validateRemote(plain)
	}
	return validate(plain, d.inputs)
}

// protect marks the remote Command's connection secret, as the npm SDK does (the whole object, for
// its credentials: password, privateKey, privateKeyPassword), for clients that did not; it reports
// whether it changed anything. A secret keeps its marker through Check, the state's inputs and
// outputs (marshal keeps secrets), so the credentials never reach the state in clear.
func (d *resourceDef) protect(inputs resource.PropertyMap) (resource.PropertyMap, bool) {
	conn, ok := inputs["connection"]
	if !d.remote || !ok || conn.IsNull() || conn.IsSecret() {
		return inputs, false
	}
	inputs = inputs.Copy()
	inputs["connection"] = resource.MakeSecret(conn)
	return inputs, true
}

// state is the resource's state after a run: the inputs (connection protected) and the outputs.
// stdout/stderr are secret when an input they derive from is. For the remote Command that leaves
// out the connection, which the SDK always makes secret because of its credentials: the command's
// output does not contain them, and would otherwise always be secret.
func (d *resourceDef) state(r result, inputs resource.PropertyMap) resource.PropertyMap {
	inputs, _ = d.protect(inputs)
	rest := inputs
	if d.remote {
		rest = inputs.Copy()
		delete(rest, "connection")
	}
	return r.outputsWith(inputs, rest.ContainsSecrets())
}

// preview is the state a preview shows: the inputs, and outputs that are not known yet.
func (d *resourceDef) preview(inputs resource.PropertyMap) resource.PropertyMap {
	inputs, _ = d.protect(inputs)
	return unknownOutputs(inputs)
}

// run runs one of the resource's commands, with plain (secret-free) inputs or state.
func (d *resourceDef) run(ctx context.Context, p *provider, urn, command string, plain resource.PropertyMap, prev result) (result, error) {
	if !d.remote {
		return p.run(ctx, urn, command, specFrom(plain), prev)
	}
	conn, err := connectionFrom(plain)
	if err != nil {
		return result{}, err
	}
	return p.runRemote(ctx, urn, command, conn, specFrom(plain), prev)
}

// --- provider configuration: there is none ---------------------------------------------------

func (p *provider) Handshake(_ context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	p.mu.Lock()
	connected := p.engine != nil
	p.mu.Unlock()
	if !connected && req.EngineAddress != "" {
		if err := p.connectEngine(req.EngineAddress); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true}, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: string(schemaJSON())}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.News}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	// AcceptSecrets: we keep secret markers ourselves (see outputs), rather than the engine
	// guessing by property name. SupportsPreview: Create/Update are called with Preview=true.
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.cancelAll()
	return &emptypb.Empty{}, nil
}

// --- command:local:Command and command:remote:Command -----------------------------------------

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	def, err := resourceOf(req.Urn, req.Type)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.News, false)
	if err != nil {
		return nil, err
	}
	// Inputs go back untouched so diffs and the state show exactly what the program passed; only
	// a remote connection that is not secret yet is made secret.
	inputs := req.News
	withSecrets, err := unmarshal(req.News, true)
	if err != nil {
		return nil, err
	}
	if protected, changed := def.protect(withSecrets); changed {
		if inputs, err = marshal(protected); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: def.validate(news)}, nil
}

// Diff: triggers always replace (the SDK also registers replaceOnChanges "triggers[*]"). Any other
// input that changes what the command does replaces the resource unless `update` is set, in which
// case `update` runs in place. Inputs that do not affect a run (delete, logging,
// addPreviousOutputInEnv, and a remote Command's connection: see remoteNoRerun) are in-place
// updates that run nothing.
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	def, err := resourceOf(req.Urn, req.Type)
	if err != nil {
		return nil, err
	}
	olds := req.OldInputs
	if len(olds.GetFields()) == 0 {
		olds = req.Olds // state from before old_inputs existed: it holds the inputs too
	}
	oldIn, err := unmarshal(olds, false)
	if err != nil {
		return nil, err
	}
	newIn, err := unmarshal(req.News, false)
	if err != nil {
		return nil, err
	}

	hasUpdate := updateCommand(newIn) != "" || newIn["update"].IsComputed()
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
		HasDetailedDiff: true,
	}
	for _, key := range changedKeys(def.inputs, oldIn, newIn) {
		replace := key == "triggers" || (!def.noRerun[key] && !hasUpdate)
		o, n := oldIn[resource.PropertyKey(key)], newIn[resource.PropertyKey(key)]
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case o.IsNull():
			kind = pulumirpc.PropertyDiff_ADD
		case n.IsNull():
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if replace {
			kind++ // each *_REPLACE kind directly follows its plain kind in the enum
			resp.Replaces = append(resp.Replaces, key)
		}
		resp.Diffs = append(resp.Diffs, key)
		resp.DetailedDiff[key] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	// A command's create and delete usually act on the same outside thing (mkdir x / rmdir x), so
	// the default create-then-delete order would let the old delete undo the new create.
	resp.DeleteBeforeReplace = len(resp.Replaces) > 0
	return resp, nil
}

// changedKeys lists the inputs that differ; a value not yet known (preview) counts as changed.
func changedKeys(schema map[string]kind, olds, news resource.PropertyMap) []string {
	var keys []string
	for _, key := range sortedKeys(schema) {
		o, n := olds[resource.PropertyKey(key)], news[resource.PropertyKey(key)]
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			keys = append(keys, key)
		}
	}
	return keys
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	def, err := resourceOf(req.Urn, req.Type)
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.Properties, true)
	if err != nil {
		return nil, err
	}
	plain, err := unmarshal(req.Properties, false)
	if err != nil {
		return nil, err
	}
	if req.Preview {
		// Nothing runs during a preview; the outputs are whatever the run will produce.
		props, err := marshal(def.preview(inputs))
		return &pulumirpc.CreateResponse{Properties: props}, err
	}

	name := req.Name
	if name == "" {
		name = resource.URN(req.Urn).Name()
	}
	id, err := resource.NewUniqueHex(name, 8, 0)
	if err != nil {
		return nil, err
	}
	res := result{}
	if command := str(plain, "create"); command != "" {
		ctx, cancel := p.runContext(ctx, req.Timeout)
		defer cancel()
		if res, err = def.run(ctx, p, req.Urn, command, plain, result{}); err != nil {
			return nil, err
		}
	}
	props, err := marshal(def.state(res, inputs))
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, err
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	def, err := resourceOf(req.Urn, req.Type)
	if err != nil {
		return nil, err
	}
	oldState, err := unmarshal(req.Olds, true)
	if err != nil {
		return nil, err
	}
	oldPlain, err := unmarshal(req.Olds, false)
	if err != nil {
		return nil, err
	}
	oldIn := oldPlain
	if len(req.OldInputs.GetFields()) > 0 {
		if oldIn, err = unmarshal(req.OldInputs, false); err != nil {
			return nil, err
		}
	}
	inputs, err := unmarshal(req.News, true)
	if err != nil {
		return nil, err
	}
	plain, err := unmarshal(req.News, false)
	if err != nil {
		return nil, err
	}

	rerun := false
	for _, key := range changedKeys(def.inputs, oldIn, plain) {
		rerun = rerun || !def.noRerun[key]
	}
	if !rerun {
		// Only delete/logging/connection/... changed: record the new inputs, keep the last run's
		// outputs.
		props, err := marshal(def.state(previousResult(oldState), inputs))
		return &pulumirpc.UpdateResponse{Properties: props}, err
	}
	if req.Preview {
		props, err := marshal(def.preview(inputs))
		return &pulumirpc.UpdateResponse{Properties: props}, err
	}

	// Diff only sends reruns here when `update` is set; create is the fallback the SDK documents.
	command := updateCommand(plain)
	if command == "" {
		command = str(plain, "create")
	}
	res := result{}
	if command != "" {
		ctx, cancel := p.runContext(ctx, req.Timeout)
		defer cancel()
		if res, err = def.run(ctx, p, req.Urn, command, plain, previousResult(oldPlain)); err != nil {
			return nil, err
		}
	}
	props, err := marshal(def.state(res, inputs))
	return &pulumirpc.UpdateResponse{Properties: props}, err
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	def, err := resourceOf(req.Urn, req.Type)
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.Properties, false)
	if err != nil {
		return nil, err
	}
	if command := str(state, "delete"); command != "" {
		ctx, cancel := p.runContext(ctx, req.Timeout)
		defer cancel()
		// The remote Command connects as the state says: the last connection stored, even by an
		// update that ran nothing.
		if _, err := def.run(ctx, p, req.Urn, command, state, previousResult(state)); err != nil {
			return nil, err
		}
	}
	return &emptypb.Empty{}, nil
}

// Read (refresh, import) returns the state as it is: a command has nothing to read back, and the
// upstream provider does not implement read either.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if _, err := resourceOf(req.Urn, req.Type); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.Id, Properties: req.Properties, Inputs: req.Inputs}, nil
}

// --- command:local:run (local.run / local.runOutput) -----------------------------------------

// Invoke runs the command every time the program runs, previews included, like upstream.
func (p *provider) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	if req.Tok != runFunction {
		return nil, fmt.Errorf("unknown function %q (this provider serves only %s)", req.Tok, runFunction)
	}
	args, err := unmarshal(req.Args, true)
	if err != nil {
		return nil, err
	}
	plain, err := unmarshal(req.Args, false)
	if err != nil {
		return nil, err
	}
	if failures := validate(plain, runInputs); len(failures) > 0 {
		return &pulumirpc.InvokeResponse{Failures: failures}, nil
	}
	command := str(plain, "command")
	if command == "" {
		return &pulumirpc.InvokeResponse{Failures: []*pulumirpc.CheckFailure{{Property: "command", Reason: "command is required"}}}, nil
	}
	ctx, cancel := p.runContext(ctx, 0)
	defer cancel()
	res, err := p.run(ctx, "", command, specFrom(plain), result{})
	if err != nil {
		return nil, err
	}
	ret, err := marshal(res.outputs(args))
	return &pulumirpc.InvokeResponse{Return: ret}, err
}

// runContext ends a command when the RPC ends, the engine calls Cancel, or the resource's custom
// timeout (seconds; 0 = none) passes.
func (p *provider) runContext(ctx context.Context, timeout float64) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.cancelled, cancel)
	if timeout > 0 {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeout(ctx, time.Duration(timeout*float64(time.Second)))
		return ctx, func() { cancelTimeout(); stop(); cancel() }
	}
	return ctx, func() { stop(); cancel() }
}

// --- helpers over property maps --------------------------------------------------------------

func str(m resource.PropertyMap, key string) string {
	if v := m[resource.PropertyKey(key)]; v.IsString() {
		return v.StringValue()
	}
	return ""
}

// updateCommand is `update` if set; the SDK documents an empty update as "run create instead".
func updateCommand(m resource.PropertyMap) string { return str(m, "update") }

// unknownOutputs is the preview result: the inputs plus outputs that are not known yet.
func unknownOutputs(inputs resource.PropertyMap) resource.PropertyMap {
	outs := inputs.Copy()
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	outs["stdout"], outs["stderr"] = unknown, unknown
	if _, ok := inputs["assetPaths"]; ok {
		outs["assets"] = unknown
	}
	if _, ok := inputs["archivePaths"]; ok {
		outs["archive"] = unknown
	}
	return outs
}

// previousResult recovers the last run's outputs from a resource state.
func previousResult(state resource.PropertyMap) result {
	return result{
		stdout:  state["stdout"],
		stderr:  state["stderr"],
		assets:  state["assets"],
		archive: state["archive"],
	}
}
