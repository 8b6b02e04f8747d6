// Package provider maps the Terraform Docker provider (kreuzwerker/terraform-provider-docker,
// module path github.com/terraform-providers/terraform-provider-docker) onto the Pulumi "docker"
// package, with the tokens and property names that the @pulumi/docker 5.0.0 npm SDK uses.
//
// Only the provider's terraform-plugin-sdk/v2 part is bridged: the SDKv2 bridge cannot serve the
// terraform-plugin-framework part (docker_compose, the docker_containers data source, the actions),
// and @pulumi/docker 5.0.0 has no tokens for those anyway. docker:index/image:Image is a Pulumi-native
// resource in @pulumi/docker (not a Terraform one) and is not served by this plugin.
package provider

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	// The "shim" package is not part of the upstream module: the build script adds it to a scratch
	// copy of the module, because Go forbids importing the module's internal/provider package.
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is the plugin version the @pulumi/docker npm SDK asks the engine for.
const Version = "5.0.0"

const (
	pkgName  = "docker"
	indexMod = "index"
)

// resourceTok is the token of a resource in the package's index module, e.g. docker:index/container:Container.
func resourceTok(name string) tokens.Type {
	return tokens.Type(pkgName + ":" + indexMod + "/" + lowerFirst(name) + ":" + name)
}

// functionTok is the token of a data-source function, e.g. docker:index/getNetwork:getNetwork.
func functionTok(name string) tokens.ModuleMember {
	return tokens.ModuleMember(pkgName + ":" + indexMod + "/" + name + ":" + name)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// Provider returns the bridge's description of the provider.
func Provider() tfbridge.ProviderInfo {
	p := shimv2.NewProvider(patchTerraformProvider(shim.NewProvider()))

	return tfbridge.ProviderInfo{
		P:           p,
		Name:        "docker",
		Version:     Version,
		DisplayName: "Docker",
		Description: "A Pulumi package for interacting with Docker in Pulumi programs (podlab build of the " +
			"Terraform Docker provider).",
		Keywords:          []string{"pulumi", "docker"},
		License:           "Apache-2.0",
		Homepage:          "https://pulumi.io",
		Repository:        "https://github.com/pulumi/pulumi-docker",
		GitHubOrg:         "kreuzwerker",
		TFProviderLicense: ptr(tfbridge.MPL20LicenseType),
		Config: map[string]*tfbridge.SchemaInfo{
			// As in @pulumi/docker: `host` falls back to $DOCKER_HOST (and then, inside the Terraform
			// provider, to unix:///var/run/docker.sock), so it is optional on the Pulumi side.
			"host": {
				Default: &tfbridge.DefaultInfo{EnvVars: []string{"DOCKER_HOST"}},
			},
			// The bridge would pluralize the TF set `registry_auth` to `registryAuths`.
			"registry_auth": {Name: "registryAuth"},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok: resourceTok("Container"),
				Fields: map[string]*tfbridge.SchemaInfo{
					// Required in Terraform, optional (auto-named) in @pulumi/docker.
					"name": tfbridge.AutoName("name", 255, "-"),
					// The bridge pluralizes list names by default (`entrypoint` -> `entrypoints`, `env` ->
					// `envs`, `upload` -> `uploads`, all as in the SDK); these two the SDK keeps singular.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			// Terraform's docker_image is RemoteImage in @pulumi/docker (Image is a Pulumi-native resource).
			"docker_image": {Tok: resourceTok("RemoteImage")},
			// docker_registry_image and docker_plugin keep Terraform's required `name` (an image or
			// plugin reference, which an auto-name cannot stand for), although the SDK types it optional.
			"docker_registry_image": {Tok: resourceTok("RegistryImage")},
			"docker_network":        {Tok: resourceTok("Network"), Fields: autoNamed()},
			// docker_volume's name is Optional+Computed upstream: Docker picks one when it is not given.
			"docker_volume":         {Tok: resourceTok("Volume")},
			"docker_config":         {Tok: resourceTok("ServiceConfig"), Fields: autoNamed()},
			"docker_secret":         {Tok: resourceTok("Secret"), Fields: autoNamed()},
			"docker_service":        {Tok: resourceTok("Service"), Fields: autoNamed()},
			"docker_plugin":         {Tok: resourceTok("Plugin")},
			"docker_tag":            {Tok: resourceTok("Tag")},
			"docker_buildx_builder": {Tok: resourceTok("BuildxBuilder")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_registry_image":           {Tok: functionTok("getRegistryImage")},
			"docker_network":                  {Tok: functionTok("getNetwork")},
			"docker_plugin":                   {Tok: functionTok("getPlugin")},
			"docker_image":                    {Tok: functionTok("getRemoteImage")},
			"docker_logs":                     {Tok: functionTok("getLogs")},
			"docker_registry_image_manifests": {Tok: functionTok("getRegistryImageManifests")},
		},
	}
}

func autoNamed() map[string]*tfbridge.SchemaInfo {
	return map[string]*tfbridge.SchemaInfo{"name": tfbridge.AutoName("name", 255, "-")}
}

func ptr[T any](v T) *T { return &v }
