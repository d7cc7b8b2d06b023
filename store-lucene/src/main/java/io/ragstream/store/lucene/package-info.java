/**
 * The embedded vector store on Lucene 9.12: {@link io.ragstream.store.lucene.LuceneVectorStore} and
 * its {@link io.ragstream.store.lucene.LuceneStoreOptions}.
 *
 * <p>Index layout (one Lucene document per point, plus one state document per document id):
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>on</th><th>Lucene type</th><th>content</th></tr>
 *   <tr><td>type</td><td>all</td><td>StringField</td><td>{@code chunk} | {@code state}</td></tr>
 *   <tr><td>documentId</td><td>all</td><td>StringField (stored) + SortedDocValues</td>
 *       <td>source-qualified id; the update term</td></tr>
 *   <tr><td>pointId</td><td>chunk</td><td>StringField (stored)</td><td>UUID of (documentId, chunkIndex)</td></tr>
 *   <tr><td>chunkIndex, chunkCount, start, end</td><td>chunk</td><td>stored int</td><td>offsets in UTF-16 chars</td></tr>
 *   <tr><td>version, committedAt, indexedAt</td><td>all</td><td>stored long</td><td>epoch ms for times</td></tr>
 *   <tr><td>tenant</td><td>chunk</td><td>StringField (stored)</td><td>absent when null</td></tr>
 *   <tr><td>acl</td><td>chunk</td><td>StringField (stored), one per principal</td><td>absent when empty</td></tr>
 *   <tr><td>title, text, contentHash, embedder</td><td>chunk</td><td>stored</td><td></td></tr>
 *   <tr><td>metadata</td><td>chunk</td><td>stored</td><td>JSON object of strings</td></tr>
 *   <tr><td>bm25</td><td>chunk</td><td>TextField (EnglishAnalyzer)</td><td>title + " " + text (BM25 flat)</td></tr>
 *   <tr><td>bm25Title, bm25Body</td><td>chunk</td><td>TextField (EnglishAnalyzer)</td><td>title; text (BM25 multifield)</td></tr>
 *   <tr><td>vector</td><td>chunk</td><td>KnnFloatVectorField, DOT_PRODUCT</td><td>unit-length embedding</td></tr>
 *   <tr><td>state</td><td>state</td><td>StringField (stored)</td><td>{@code live} | {@code tombstone}</td></tr>
 *   <tr><td>contentHash, chunkCount</td><td>state (live)</td><td>stored</td><td>of the current version</td></tr>
 * </table>
 *
 * <p>Commit user data: {@code ragstream.lastCommittedAt}, {@code ragstream.lastAppliedAt} (epoch
 * ms).
 */
package io.ragstream.store.lucene;
