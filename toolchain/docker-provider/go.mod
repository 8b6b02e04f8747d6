module podlab/toolchain/docker-provider

go 1.25.8

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 v3.120.0
	github.com/pulumi/pulumi/sdk/v3 v3.218.0
	github.com/terraform-providers/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
)

// The bridge needs Pulumi's fork of terraform-plugin-sdk/v2 (the same replace as the bridge's own go.mod).
replace github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20250923233607-7f1981c8674a

// Placeholder: scripts/toolchain/build-docker-provider.sh rewrites this replace, in its scratch copy of
// this module, to a scratch copy of github.com/kreuzwerker/terraform-provider-docker (same version as
// the require above) that has the project's shim package added. The path below does not exist.
replace github.com/terraform-providers/terraform-provider-docker => ./.upstream-placeholder
