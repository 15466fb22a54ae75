import type { Collection, Document } from 'mongodb';

/**
 * A model's driver collection, typed by its documents, for bulk writes that skip mongoose's
 * casting per document (mongoose types `Model.collection` as its own loose collection).
 */
export function nativeCollection<T extends Document>(model: {
  collection: unknown;
}): Collection<T> {
  return model.collection as Collection<T>;
}
