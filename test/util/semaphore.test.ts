import { describe, expect, it } from "vitest";
import { Semaphore } from "../../src/util/concurrency.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("Semaphore", () => {
  it("lets at most `permits` holders run, and the waiters in arrival order", async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates: Array<() => void> = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      semaphore.use(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates.shift()!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    while (gates.length > 0 || started.length < 5) {
      gates.shift()?.();
      await tick();
    }
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("a release counts once, however often it is called", async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    release();
    release();
    await semaphore.acquire();
    let second = false;
    void semaphore.acquire().then(() => (second = true));
    await tick();
    expect(second).toBe(false);
  });

  it("frees the permit when the task throws", async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.use(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await semaphore.use(() => Promise.resolve(7))).toBe(7);
  });
});
