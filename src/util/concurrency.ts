/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Runs tasks as they are added, at most `limit` at once. A failure is kept (not thrown where nobody
 * awaits it): `failure` shows it at once, `idle()` rethrows it after every task added has finished.
 */
export class TaskPool {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private readonly tasks: Promise<void>[] = [];
  failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  add(task: () => Promise<void>): void {
    const started = new Promise<void>((resolve) => this.queue.push(resolve));
    this.tasks.push(
      started
        .then(() => (this.failure ? undefined : task()))
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => {
          this.running--;
          this.next();
        }),
    );
    this.next();
  }

  async idle(): Promise<void> {
    for (let done = 0; done < this.tasks.length; done++) await this.tasks[done];
    if (this.failure) throw this.failure.error;
  }

  private next(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      this.running++;
      this.queue.shift()!();
    }
  }
}

/**
 * Counting semaphore: `acquire()` waits for one of `permits` and resolves to its release function
 * (idempotent). Waiters are served in arrival order.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly permits: number) {
    if (!Number.isSafeInteger(permits) || permits < 1)
      throw new Error(`Semaphore: permits must be >= 1, got ${permits}`);
    this.available = permits;
  }

  async acquire(): Promise<() => void> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The permit passes straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next();
      else this.available++;
    };
  }

  /** Runs `task` holding one permit. */
  async use<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}
