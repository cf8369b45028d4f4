import { condition } from '@temporalio/workflow';

/**
 * One change at a time inside a workflow. Update handlers run concurrently whenever they await an
 * activity, so two payments could both read the balance before either is applied; each change
 * takes the lock, reads the state, stores, then changes the state.
 *
 * The predicate itself takes the lock: the SDK resolves every waiting condition whose predicate is
 * true in one pass, before their continuations run, so "wait until free, then take" would let two
 * waiters in. Waiters are admitted in the order they began waiting (the SDK checks conditions in
 * that order), which keeps replay deterministic.
 */
export class Lock {
  private held = false;

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => {
      if (this.held) return false;
      this.held = true;
      return true;
    });
    try {
      return await fn();
    } finally {
      this.held = false;
    }
  }

  get busy(): boolean {
    return this.held;
  }
}
