/**
 * Implementation details of the Qdrant store: request building ({@link
 * io.ragstream.store.qdrant.internal.Requests}) and response mapping ({@link
 * io.ragstream.store.qdrant.internal.Responses}) as pure functions over the client's protobuf
 * messages, the BM25 sparse encoder, client-side fusion, the error classifier and the retry helper.
 * Not an API.
 */
package io.ragstream.store.qdrant.internal;
