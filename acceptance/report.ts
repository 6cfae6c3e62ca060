// One line per test ("PASS name", "FAIL name: why", "SKIP name: why"), then the summary line
// "N passed, N failed". Skipped tests (bypassed, or depending on a step that already failed) are
// counted on their own line and never make the run fail by themselves.
export type Outcome = "pass" | "fail" | "skip";

export interface TestResult {
  name: string;
  outcome: Outcome;
  /** Why it failed or was skipped; details for a pass (shown after the name). */
  detail?: string;
}

export const pass = (name: string, detail?: string): TestResult => ({
  name,
  outcome: "pass",
  ...(detail ? { detail } : {}),
});
export const fail = (name: string, detail: string): TestResult => ({ name, outcome: "fail", detail });
export const skip = (name: string, detail: string): TestResult => ({ name, outcome: "skip", detail });

/** A pass when there are no problems, else a failure listing the first few. */
export function fromProblems(name: string, problems: readonly string[], passDetail?: string, max = 5): TestResult {
  if (problems.length === 0) return pass(name, passDetail);
  const shown = problems.slice(0, max).join("; ");
  return fail(name, problems.length > max ? `${shown} (and ${problems.length - max} more)` : shown);
}

const LABEL: Record<Outcome, string> = { pass: "PASS", fail: "FAIL", skip: "SKIP" };

export function formatResult(result: TestResult): string {
  const detail = result.detail ? `: ${result.detail.replace(/\s*\n\s*/g, " ")}` : "";
  return `${LABEL[result.outcome]} ${result.name}${detail}`;
}

export class Reporter {
  readonly results: TestResult[] = [];

  constructor(private readonly write: (line: string) => void) {}

  info(line: string): void {
    this.write(`# ${line}`);
  }

  add(...results: TestResult[]): void {
    for (const result of results) {
      this.results.push(result);
      this.write(formatResult(result));
    }
  }

  count(outcome: Outcome): number {
    return this.results.filter((r) => r.outcome === outcome).length;
  }

  get failed(): boolean {
    return this.count("fail") > 0;
  }

  summary(): void {
    const skipped = this.count("skip");
    if (skipped > 0) this.write(`# ${skipped} skipped`);
    this.write(`${this.count("pass")} passed, ${this.count("fail")} failed`);
  }
}
