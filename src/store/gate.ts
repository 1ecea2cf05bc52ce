import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * In-process admission to a store that has ONE connection (SQLite, memory). A unit of work holds
 * the gate from BEGIN to COMMIT, across its awaits, so no other request's statement can run inside
 * it or read what it has not committed yet. Everything else queues behind it, first come first
 * served; a read that finds the gate free runs at once (the decision path's common case).
 *
 * Calling the store itself (rather than the `tx` handed to the unit) from inside a unit of work
 * would wait for the unit forever: it throws instead, naming the mistake.
 */
export interface Gate {
  /** Runs `fn` alone: nothing else enters the gate until it settles. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs a synchronous read when no unit of work is open, else after the ones ahead of it. */
  read<T>(fn: () => T): T | Promise<T>;
}

export class NestedUnitOfWorkError extends Error {
  constructor() {
    super('the store was called from inside a unit of work: use the tx the unit was given');
  }
}

export function createGate(): Gate {
  const inside = new AsyncLocalStorage<symbol>();
  let holder: symbol | undefined;
  const waiting: Array<() => void> = [];
  const handingOver = Symbol('handover');

  function release(): void {
    const next = waiting.shift();
    // Hand over: the gate stays held (by no unit), so nobody can slip in between.
    holder = next ? handingOver : undefined;
    next?.();
  }

  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (holder !== undefined) {
      if (inside.getStore() === holder) throw new NestedUnitOfWorkError();
      await new Promise<void>((resume) => waiting.push(resume));
    }
    const token = Symbol('unit');
    holder = token;
    try {
      return await inside.run(token, fn);
    } finally {
      release();
    }
  }

  return {
    exclusive,
    read(fn) {
      if (holder === undefined) return fn();
      if (inside.getStore() === holder) throw new NestedUnitOfWorkError();
      return exclusive(async () => fn());
    },
  };
}
