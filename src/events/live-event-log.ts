import type { Collection, Db, FindCursor, MongoServerError } from 'mongodb';
import type { EventPayload } from './event-bus.js';

export const LIVE_EVENTS_COLLECTION = 'live_events';
const SEQUENCE_COLLECTION = 'live_events_seq';
/** Sentinel stored in an empty collection: a tailable cursor needs a first match (see below). */
export const START_TOPIC = '__start__';

export interface StoredEvent {
  _id: number;
  topic: string;
  payload: EventPayload;
  publishedAt: Date;
  origin: string;
}

interface Counter {
  _id: string;
  seq: number;
}

/**
 * The Mongo event bus's storage: a capped collection of events whose `_id`s come from a counter
 * document (one atomic `$inc` per batch), so every instance sees one total order. Ids are taken
 * before the insert: another instance's lower id can become visible after a higher one, and one
 * taken by a publish that then failed is never filled (the bus deals with both).
 *
 * FerretDB quirks this works around (probed on FerretDB v1 with the SQLite handler):
 * - a tailable cursor whose FIRST query matches nothing is closed at the first getMore
 *   ("iterator is read to the end"), so a cursor always starts at an `_id` that exists (the
 *   bus's floor, or the sentinel in an empty collection);
 * - it must be opened with `batchSize: 0` and `maxAwaitTimeMS`, or a short first batch ends it.
 */
export class LiveEventLog {
  private readonly events: Collection<StoredEvent>;
  private readonly counters: Collection<Counter>;

  constructor(
    private readonly db: Db,
    private readonly name: string,
    private readonly cappedBytes: number,
  ) {
    this.events = db.collection<StoredEvent>(name);
    this.counters = db.collection<Counter>(SEQUENCE_COLLECTION);
  }

  /** Creates the capped collection (and its sentinel) if it does not exist. */
  async ensure(): Promise<void> {
    const existing = await this.db
      .listCollections({ name: this.name }, { nameOnly: false })
      .toArray();
    if (existing.length === 0) {
      try {
        await this.db.createCollection(this.name, { capped: true, size: this.cappedBytes });
      } catch (error) {
        // Another instance created it between our check and our create.
        if ((error as MongoServerError).code !== 48) throw error;
      }
    } else if ((existing[0] as { options?: { capped?: boolean } }).options?.capped !== true) {
      throw new Error(
        `collection ${this.name} exists but is not capped; drop it so the hub ` +
          'can recreate it as a capped collection (tailable cursors need one)',
      );
    }
    if ((await this.events.estimatedDocumentCount()) === 0) {
      await this.events
        .insertOne({ _id: 0, topic: START_TOPIC, payload: {}, publishedAt: new Date(), origin: '' })
        .catch((error: MongoServerError) => {
          if (error.code !== 11000) throw error;
        });
    }
  }

  /** The highest `_id` stored (0: only the sentinel, or nothing). */
  async lastId(): Promise<number> {
    const last = await this.events
      .find({}, { projection: { _id: 1 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    return last?._id ?? 0;
  }

  /** The highest `_id` taken so far, stored or still being inserted. */
  async lastTakenId(): Promise<number> {
    return (await this.counters.findOne({ _id: this.name }))?.seq ?? 0;
  }

  /** Stores the events in this order, under consecutive ids; `publishedAt` is taken after them. */
  async append(items: readonly { topic: string; payload: EventPayload }[], origin: string) {
    for (let attempt = 0; ; attempt++) {
      const last = await this.take(items.length);
      const first = last - items.length + 1;
      const publishedAt = new Date();
      const docs = items.map((item, i) => ({
        _id: first + i,
        topic: item.topic,
        payload: item.payload,
        publishedAt,
        origin,
      }));
      try {
        await this.events.insertMany(docs, { ordered: true });
        return;
      } catch (error) {
        // A counter document lost or restored from an old backup would hand out ids that are
        // already taken: move it past the collection's end once, then retry.
        if (attempt > 0 || (error as MongoServerError).code !== 11000) throw error;
        await this.counters.updateOne(
          { _id: this.name },
          { $max: { seq: await this.lastId() } },
          { upsert: true },
        );
      }
    }
  }

  /** A tailable cursor over the events from `fromId` (which must exist: see above). */
  tail(fromId: number, maxAwaitTimeMS: number): FindCursor<StoredEvent> {
    return this.events.find(
      { _id: { $gte: fromId } },
      { tailable: true, awaitData: true, batchSize: 0, maxAwaitTimeMS },
    );
  }

  /** The events with `from <= _id < upTo` stored by now, in id order. */
  range(from: number, upTo: number): Promise<StoredEvent[]> {
    return this.events
      .find({ _id: { $gte: from, $lt: upTo } })
      .sort({ _id: 1 })
      .toArray();
  }

  private async take(count: number): Promise<number> {
    const counter = await this.counters.findOneAndUpdate(
      { _id: this.name },
      { $inc: { seq: count } },
      { upsert: true, returnDocument: 'after' },
    );
    return counter!.seq;
  }
}
