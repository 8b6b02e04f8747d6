// podlab-validator: the Kubernetes API server's own checks of a Pod, ConfigMap, Secret, PersistentVolumeClaim
// or StorageClass at create, run
// offline on manifest files, so that podlab refuses what the API server refuses, in its words.
//
// Input (stdin), JSON: {"files": [{"name": "pods/foo.yaml", "text": "<the file's YAML>"}]}.
// Output (stdout), JSON: {"files": [{"name", "error"?, "documents": [{"index", "apiVersion", "kind",
// "name", "object"?, "errors": [...], "warnings": [...]}]}]}. "index" counts from 1 over the file's
// documents, empty ones included (as kubectl splits them); "object" is the document as kubectl sends
// it (JSON, before defaulting); "errors" are the API server's, "path: Invalid value: ...: reason".
// Exit status 0 whenever the input was read; 2 on unreadable input.
//
// Each document goes the way `kubectl apply` sends it and the API server takes it:
//   - split and read as kubectl does: k8s.io/apimachinery/pkg/util/yaml's YAMLReader, then
//     sigs.k8s.io/yaml (YAML 1.1 as go-yaml reads it: 0400 is octal, '\” inside "..." is kept);
//   - decoded with strict field validation (kubectl's default --validate=strict): an unknown field
//     is refused as "strict decoding error: unknown field ..."
//     (k8s.io/apimachinery/pkg/runtime/serializer/json);
//   - defaulted and converted to the internal type by the API server's scheme
//     (k8s.io/kubernetes/pkg/api/legacyscheme with pkg/apis/core/install and pkg/apis/storage/install);
//   - created through the API server's own create path, k8s.io/apiserver/pkg/registry/rest.BeforeCreate
//     with the strategies of k8s.io/kubernetes/pkg/registry/core/{pod,configmap,secret,persistentvolumeclaim}
//     and pkg/registry/storage/storageclass
//     (PrepareForCreate drops fields of disabled feature gates, Validate is
//     pkg/apis/core/validation.ValidatePodCreate / ValidateConfigMap / ValidateSecret /
//     ValidatePersistentVolumeClaim, pkg/apis/storage/validation.ValidateStorageClass), with the default feature gates
//     of this Kubernetes version, which the local cluster runs (scripts/local-cluster sets none), and
//     its --allow-privileged=true.
//
// Admission (service accounts, quotas, namespaces that exist) is not run: it needs the cluster.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	api "k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	"k8s.io/kubernetes/pkg/apis/storage"
	_ "k8s.io/kubernetes/pkg/apis/storage/install"
	"k8s.io/kubernetes/pkg/capabilities"
	"k8s.io/kubernetes/pkg/registry/core/configmap"
	"k8s.io/kubernetes/pkg/registry/core/persistentvolumeclaim"
	"k8s.io/kubernetes/pkg/registry/core/pod"
	"k8s.io/kubernetes/pkg/registry/core/secret"
	"k8s.io/kubernetes/pkg/registry/storage/storageclass"
	"sigs.k8s.io/yaml"
)

type inputFile struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type document struct {
	Index      int             `json:"index"`
	APIVersion string          `json:"apiVersion,omitempty"`
	Kind       string          `json:"kind,omitempty"`
	Name       string          `json:"name,omitempty"`
	Object     json.RawMessage `json:"object,omitempty"`
	Errors     []string        `json:"errors"`
	Warnings   []string        `json:"warnings"`
}

type outputFile struct {
	Name      string     `json:"name"`
	Error     string     `json:"error,omitempty"`
	Documents []document `json:"documents"`
}

// The objects podlab reads, by apiVersion/kind: the internal type the API server converts each to and
// its registry strategy (k8s.io/kubernetes/pkg/registry/...), whose create path judges it.
var kinds = map[string]struct {
	internal func() runtime.Object
	strategy rest.RESTCreateStrategy
}{
	"v1/Pod":                         {func() runtime.Object { return &api.Pod{} }, pod.Strategy},
	"v1/ConfigMap":                   {func() runtime.Object { return &api.ConfigMap{} }, configmap.Strategy},
	"v1/Secret":                      {func() runtime.Object { return &api.Secret{} }, secret.Strategy},
	"v1/PersistentVolumeClaim":       {func() runtime.Object { return &api.PersistentVolumeClaim{} }, persistentvolumeclaim.Strategy},
	"storage.k8s.io/v1/StorageClass": {func() runtime.Object { return &storage.StorageClass{} }, storageclass.Strategy},
}

// The namespace kubectl fills in for an object that names none (podlab's stacks default to it too).
const defaultNamespace = "default"

var strictDecoder = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, legacyscheme.Scheme, legacyscheme.Scheme,
	kjson.SerializerOptions{Yaml: false, Pretty: false, Strict: true})

func main() {
	// As the local cluster's kube-apiserver runs (scripts/local-cluster: --allow-privileged=true); the
	// API server's own default refuses privileged containers ("disallowed by cluster policy").
	capabilities.Setup(true, 0)
	var in struct {
		Files []inputFile `json:"files"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "podlab-validator: reading stdin: %v\n", err)
		os.Exit(2)
	}
	out := struct {
		Files []outputFile `json:"files"`
	}{Files: []outputFile{}}
	for _, f := range in.Files {
		out.Files = append(out.Files, checkFile(f))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		os.Exit(2)
	}
}

// checkFile splits a file into documents as kubectl does and checks each.
func checkFile(f inputFile) outputFile {
	out := outputFile{Name: f.Name, Documents: []document{}}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(f.Text)))
	for index := 1; ; index++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out.Error = err.Error()
			return out
		}
		out.Documents = append(out.Documents, checkDocument(index, raw))
	}
}

// checkDocument reads one YAML document and runs the API server's create path on it.
func checkDocument(index int, raw []byte) document {
	doc := document{Index: index, Errors: []string{}, Warnings: []string{}}
	data, err := yaml.YAMLToJSON(raw)
	if err != nil {
		doc.Errors = append(doc.Errors, fmt.Sprintf("error converting YAML to JSON: %v", err))
		return doc
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return doc // an empty document: kubectl skips it
	}
	var fields map[string]interface{}
	if err := json.Unmarshal(data, &fields); err != nil {
		doc.Errors = append(doc.Errors, fmt.Sprintf("(document): Invalid value: is not a Kubernetes object (a YAML mapping): %v", err))
		return doc
	}
	var meta struct {
		APIVersion, Kind string
		Metadata         struct{ Name string }
	}
	meta.APIVersion, _ = fields["apiVersion"].(string)
	meta.Kind, _ = fields["kind"].(string)
	if m, ok := fields["metadata"].(map[string]interface{}); ok {
		meta.Metadata.Name, _ = m["name"].(string)
	}
	doc.APIVersion, doc.Kind, doc.Name, doc.Object = meta.APIVersion, meta.Kind, meta.Metadata.Name, data
	// kubectl's own refusals, before anything reaches the API server.
	if meta.APIVersion == "" {
		doc.Errors = append(doc.Errors, "apiVersion: Required value: apiVersion not set")
	}
	if meta.Kind == "" {
		doc.Errors = append(doc.Errors, "kind: Required value: kind not set")
	}
	if len(doc.Errors) > 0 {
		return doc
	}
	read, known := kinds[meta.APIVersion+"/"+meta.Kind]
	if !known {
		doc.Errors = append(doc.Errors, fmt.Sprintf("kind: Unsupported value: %q: podlab reads v1 Pod, ConfigMap, Secret and PersistentVolumeClaim objects, and storage.k8s.io/v1 StorageClass objects", meta.APIVersion+"/"+meta.Kind))
		return doc
	}
	version := meta.APIVersion[strings.LastIndex(meta.APIVersion, "/")+1:]
	obj, _, err := strictDecoder.Decode(data, nil, nil)
	if err != nil {
		// The API server's words for a body it cannot decode (apiserver/pkg/endpoints/handlers/create.go).
		doc.Errors = append(doc.Errors, fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", meta.Kind, version, meta.Kind, err))
		return doc
	}
	legacyscheme.Scheme.Default(obj)
	internal, strategy := read.internal(), read.strategy
	if err := legacyscheme.Scheme.Convert(obj, internal, nil); err != nil {
		doc.Errors = append(doc.Errors, fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", meta.Kind, version, meta.Kind, err))
		return doc
	}
	objectMeta, err := metaOf(internal)
	if err != nil {
		doc.Errors = append(doc.Errors, err.Error())
		return doc
	}
	// A cluster-scoped object (StorageClass) has none (BeforeCreate clears one it was given).
	if objectMeta.Namespace == "" && strategy.NamespaceScoped() {
		objectMeta.Namespace = defaultNamespace
	}
	rest.FillObjectMetaSystemFields(objectMeta)
	recorder := &warnings{}
	ctx := warning.WithWarningRecorder(genericapirequest.WithNamespace(context.Background(), objectMeta.Namespace), recorder)
	if err := rest.BeforeCreate(strategy, ctx, internal); err != nil {
		doc.Errors = append(doc.Errors, causes(err)...)
	}
	doc.Warnings = append(doc.Warnings, recorder.messages...)
	return doc
}

func metaOf(obj runtime.Object) (*metav1.ObjectMeta, error) {
	switch o := obj.(type) {
	case *api.Pod:
		return &o.ObjectMeta, nil
	case *api.ConfigMap:
		return &o.ObjectMeta, nil
	case *api.Secret:
		return &o.ObjectMeta, nil
	case *api.PersistentVolumeClaim:
		return &o.ObjectMeta, nil
	case *storage.StorageClass:
		return &o.ObjectMeta, nil
	}
	return nil, fmt.Errorf("(document): unexpected type %T", obj)
}

// causes lists an API error's causes as the API server words each ("field: message"), or its message.
func causes(err error) []string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if d := status.Status().Details; d != nil && len(d.Causes) > 0 {
			out := []string{}
			for _, c := range d.Causes {
				if c.Field != "" {
					out = append(out, c.Field+": "+c.Message)
				} else {
					out = append(out, c.Message)
				}
			}
			return out
		}
	}
	return []string{err.Error()}
}

type warnings struct{ messages []string }

func (w *warnings) AddWarning(agent, text string) { w.messages = append(w.messages, text) }
