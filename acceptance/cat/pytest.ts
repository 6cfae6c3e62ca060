// The bits of pytest the port needs: a test body throws Fail (pytest.fail / a failed assert) or
// Skip (pytest.skip); anything else it throws is an error in the test, reported as a failure too.
export class Fail extends Error {}
export class Skip extends Error {}

/** pytest.fail(message) */
export function fail(message: string): never {
  throw new Fail(message);
}

/** pytest.skip(reason) */
export function skip(reason: string): never {
  throw new Skip(reason);
}

/** `assert condition, message` */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Fail(message);
}

/** One parametrised CAT test: its pytest id and its body. */
export interface CatTest<F> {
  /** `TestSpec.test_match_expected`, with `[param]` suffixes added by the runner. */
  name: string;
  /** Extra parametrisation after `inputs` (e.g. `allOf` for test_defined_keyword_exist_in_schema). */
  param?: string;
  run(fixtures: F): Promise<void> | void;
}
