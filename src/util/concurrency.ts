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
