// Command pulumi-resource-docker is the podlab build of the Pulumi "docker" resource plugin: the
// Terraform Docker provider bridged with pulumi-terraform-bridge, reporting version 5.0.0 so that the
// @pulumi/docker 5.0.0 npm SDK can use it. Build it with scripts/toolchain/build-docker-provider.sh.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"podlab/toolchain/docker-provider/provider"
)

// pulumiSchema is the package schema that the generator (cmd/pulumi-tfgen-docker) writes at build
// time; schema_embed.go (build tag podlab_schema) fills it in. Without it the plugin still serves
// every resource, but GetSchema returns nothing and the bridge skips type-checking of inputs.
var pulumiSchema []byte

func main() {
	tfbridge.Main("docker", provider.Version, provider.Provider(), pulumiSchema)
}
