// `--help` for podlab's scripts: the script's own header comment, so the usage has one source.
import { readFileSync } from "node:fs";

/** The leading `//` comment block of a script file, without the slashes: what `--help` prints. */
export function usageOf(file: string): string {
  const lines: string[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.startsWith("//")) break;
    lines.push(line.replace(/^\/\/ ?/, ""));
  }
  return lines.join("\n");
}

/** The `--help` (`-h`) option for node:util's parseArgs. */
export const HELP_OPTION = { help: { type: "boolean", short: "h", default: false } } as const;
