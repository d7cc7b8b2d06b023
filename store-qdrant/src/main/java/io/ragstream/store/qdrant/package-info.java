/**
 * The production vector store on Qdrant: {@link io.ragstream.store.qdrant.QdrantVectorStore}, its
 * {@link io.ragstream.store.qdrant.QdrantStoreConfig}, and {@link
 * io.ragstream.store.qdrant.QdrantCollections} for collection lifecycle (versioned collections,
 * atomic alias switches, the embedder guard). Collection schema, version guard and query shapes:
 * docs/qdrant.md.
 */
package io.ragstream.store.qdrant;
