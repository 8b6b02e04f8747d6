package provider

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
)

// patchTerraformProvider adjusts the Terraform provider's schema where its behaviour would give a
// Pulumi program a diff on every preview. Each patch is narrow and documented.
func patchTerraformProvider(p *schema.Provider) *schema.Provider {
	if r, ok := p.ResourcesMap["docker_container"]; ok {
		if s, ok := r.Schema["memory_swap"]; ok && s.DiffSuppressFunc == nil {
			s.DiffSuppressFunc = suppressDockerDefaultMemorySwap
		}
		// podlab's pods as the host runs them, and leftovers of an interrupted update: see
		// podlab_pods.go and podlab_leftovers.go.
		if r.CreateContext != nil && r.ReadContext != nil && r.UpdateContext != nil {
			r.CreateContext = createPodlabContainer(r.CreateContext)
			r.ReadContext = readPodlabContainer(r.ReadContext)
			r.UpdateContext = updatePodlabContainer(r.UpdateContext)
		}
	}
	return p
}

// suppressDockerDefaultMemorySwap: when a container sets `memory` but not `memory_swap`, Docker itself
// picks the memory+swap limit (twice `memory` at creation; an in-place `memory` update leaves it as it
// was), and the provider reads that back into `memory_swap`, which is Optional but not Computed.
// Without this patch every later preview proposes to remove that value (`- memorySwap: 512` for
// `memory: 256`), and `pulumi preview --expect-no-changes` fails. Removing it would change nothing
// anyway: the provider then sends no memory-swap value, and Docker keeps the one it has.
//
// The diff is suppressed only while the program leaves memory_swap unset (or 0) and `memory` is not
// changing in the same update; a program that sets memory_swap gets the provider's normal diff.
func suppressDockerDefaultMemorySwap(_, old, new string, d *schema.ResourceData) bool {
	if new != "" && new != "0" {
		return false
	}
	if old == "" || old == "0" || old == "-1" {
		return true
	}
	return !d.HasChange("memory")
}
