// One line per test ("PASS name", "FAIL name: why", "SKIP name: why"), then the summary lines:
// "# CAT: N passed, N failed, N skipped; ours: ..." and last "N passed, N failed". Skipped tests
// (CAT's own skips, bypassed families) never make the run fail.
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

  count(outcome: Outcome, filter: (r: TestResult) => boolean = () => true): number {
    return this.results.filter((r) => r.outcome === outcome && filter(r)).length;
  }

  get failed(): boolean {
    return this.count("fail") > 0;
  }

  summary(): void {
    const isOurs = (r: TestResult) => r.name.startsWith("Ours.");
    const isCat = (r: TestResult) => r.name.startsWith("Test");
    const part = (filter: (r: TestResult) => boolean) =>
      `${this.count("pass", filter)} passed, ${this.count("fail", filter)} failed, ${this.count("skip", filter)} skipped`;
    if (this.results.some(isCat)) this.write(`# CAT: ${part(isCat)}; ours: ${part(isOurs)}`);
    this.write(`${this.count("pass")} passed, ${this.count("fail")} failed`);
  }
}
