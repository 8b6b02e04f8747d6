// Wall and CPU seconds of a step. CPU is what the step's child processes used (user + system), read
// from /proc/self/stat's cutime and cstime: the kernel adds a child's CPU there once it is waited
// for, and each tool waits for its own children (Pulumi its plugins and program, tofu its provider).
// The Docker daemon's work is nobody's child and counts for no tool.
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function childCpu(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 after the name.
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

export interface Sample {
  wall: number;
  cpu: number;
}

/** Runs a step; its wall and children's CPU seconds. */
export async function measure(step: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = childCpu();
  const t0 = process.hrtime.bigint();
  await step();
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: childCpu() - cpu0 };
}

/** Median, min and max of some numbers. */
export function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}
