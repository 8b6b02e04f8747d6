// Command pulumi-tfgen-docker writes the Pulumi package schema of the podlab docker plugin:
//
//	pulumi-tfgen-docker OUT.json
//
// It runs the schema generator of pulumi-terraform-bridge (tfgen) over the same ProviderInfo the
// plugin serves, with documentation taken from the Terraform schema only (no upstream docs checkout).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"

	"podlab/toolchain/docker-provider/provider"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-tfgen-docker OUT.json")
		os.Exit(2)
	}
	sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
	res, err := tfgen.GenerateSchemaWithOptions(tfgen.GenerateSchemaOptions{
		ProviderInfo:    provider.Provider(),
		DiagnosticsSink: sink,
		XInMemoryDocs:   true,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-tfgen-docker: generating the schema: %v\n", err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(res.PackageSpec, "", "    ")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-tfgen-docker: encoding the schema: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], append(out, '\n'), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-tfgen-docker: %v\n", err)
		os.Exit(1)
	}
}
