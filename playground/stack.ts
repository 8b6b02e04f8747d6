// The playground stack (config podlab:vm): the walkthrough's Docker host as a VM. Its outputs are
// what a docker-host stack needs to reach it (podlab:dockerHost: {stack: playground}).
import * as pulumi from "@pulumi/pulumi";
import { PlaygroundVm } from "./vm";
import { VmArgs } from "./vm-args";

/** The VM `podlab:vmName` (default "playground") with the settings podlab:vm gives. */
export function playground(config: pulumi.Config) {
  const vm = new PlaygroundVm(config.get("vmName") ?? "playground", config.getObject<VmArgs>("vm") ?? {});
  return {
    dockerHost: vm.dockerHost,
    ssh: pulumi.interpolate`ssh -i ${vm.dockerHost.identityFile} -o UserKnownHostsFile=${vm.dockerHost.knownHostsFile} -p ${vm.sshPort} root@127.0.0.1`,
    provisioned: vm.provisioned,
    serialLog: vm.serialLog,
  };
}
