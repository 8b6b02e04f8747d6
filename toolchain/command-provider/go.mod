module podlab/toolchain/command-provider

go 1.26.8
