// Validated GraphQL documents by their text, so that the subscriptions of many sockets that send
// the same operation share one parsed document.
import type { DocumentNode } from 'graphql';

/**
 * Validated documents by their text, shared by every operation that sends the same text: a live
 * subscription keeps its document for as long as it runs, and 10,000 agents holding the same
 * `offers` subscription held 10,000 parsed copies of it (about 6 KB each, most of it the token
 * and location objects graphql-js keeps for error positions). Documents are immutable once
 * parsed (graphql-js and Apollo share them the same way). Least recently used first out; only
 * documents that passed validation are kept, so a refused one is parsed again each time.
 */
export function createDocumentCache(limits: { maxEntries: number; maxChars: number }) {
  const documents = new Map<string, DocumentNode>();
  let chars = 0;
  return {
    get(query: string): DocumentNode | undefined {
      const document = documents.get(query);
      if (document) {
        // Map keeps insertion order: moved to the end, it is the last to be evicted.
        documents.delete(query);
        documents.set(query, document);
      }
      return document;
    },
    set(query: string, document: DocumentNode): void {
      if (query.length > limits.maxChars || documents.has(query)) return;
      documents.set(query, document);
      chars += query.length;
      for (const [oldest] of documents) {
        if (documents.size <= limits.maxEntries && chars <= limits.maxChars) break;
        documents.delete(oldest);
        chars -= oldest.length;
      }
    },
    /** Cached documents (for tests). */
    get size(): number {
      return documents.size;
    },
  };
}
