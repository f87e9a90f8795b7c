import type { SqliteDatabase } from './open.js';

interface Pending {
  readonly write: () => void;
  readonly applied: () => void;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit: the writes asked for during one turn of the event loop run
 * in a single SQLite transaction at the end of the turn (setImmediate, after
 * the poll phase has handed over every datagram that was waiting). Each
 * caller's promise settles only after that commit, so an answer that
 * promises durability (a REGISTER's 200) is still sent after the data is in
 * the WAL file. One commit costs about as much as tens of row writes, and a
 * registration burst brings hundreds of REGISTERs per turn.
 *
 * When the transaction fails, every write of the batch is rolled back and
 * every caller gets the error; `applied` (the in-memory side) runs only for
 * a committed batch, in the order the writes were asked for.
 */
export class GroupCommit {
  private batch: Pending[] = [];
  private readonly run: (batch: readonly Pending[]) => void;

  constructor(db: SqliteDatabase) {
    this.run = db.transaction((batch: readonly Pending[]) => {
      for (const p of batch) p.write();
    });
  }

  write(write: () => void, applied: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ write, applied, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    try {
      this.run(batch);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) {
      try {
        p.applied();
        p.resolve();
      } catch (e) {
        p.reject(e);
      }
    }
  }
}
