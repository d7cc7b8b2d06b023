package io.ragstream.trainer.adapter;

import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.Loss;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.StopOn;
import io.ragstream.trainer.adapter.TrainingOutcome.EpochStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link LoraAdapter} on the query embedding from labelled (query, relevant document)
 * pairs, in-process, in plain Java (d × r is small: 384 × 8).
 *
 * <p>The model is {@code q' = normalize(e + (alpha/r)·B·A·e)} on the base query embedding {@code
 * e}; B starts at zero (so training starts from the base model) and A as PEFT initializes {@code
 * lora_A}: Kaiming-uniform with a = √5, i.e. U(−1/√d, 1/√d) (PEFT {@code LoraLayer.reset_lora_
 * parameters}, after Hu et al. 2021). Documents are represented by their stored chunk vectors
 * ({@link VectorStore#vectors}, no re-embedding), scored by their best chunk as collapsed retrieval
 * ranks them. The loss is InfoNCE (van den Oord et al., "Representation Learning with Contrastive
 * Predictive Coding", arXiv:1807.03748, 2018) with temperature τ: for a pair (e, p) the candidates
 * are p, the other pairs' documents in the batch that are not relevant to e (in-batch negatives),
 * and up to {@code hardNegatives} documents the query retrieved that are not relevant to it
 * (retrieved hard negatives); a document judged relevant to the query is never a negative. With
 * {@code loss = SUP_CON} or {@code MIL_NCE} the term is per query instead, all its sampled relevant
 * documents being positives of one softmax (Khosla et al., NeurIPS 2020; Miech et al., CVPR 2020),
 * and an optional penalty on the change of the query vector keeps the adapter near the identity
 * ({@link ContrastiveObjective} has the formulas). With {@code mineNegatives} (the default) the
 * hard negatives are mined again before every epoch with the current adapter (the documents it now
 * ranks high), so that the adapter cannot move queries towards documents the base model never
 * retrieved. Gradients are exact (backpropagation through the normalization); steps are Adam
 * (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with optional decoupled
 * weight decay.
 *
 * <p>The queries are split (by query, seeded) into training and validation; after every epoch the
 * validation figure (nDCG@10 by real dense search through the store, or the InfoNCE loss) is
 * measured, the best state is kept, and training stops after {@code patience} epochs without an
 * improvement of at least {@code minDelta}, after {@code maxEpochs}, or when the time budget runs
 * out. Epoch 0 is the initial state, which equals the base model: if no epoch beats it, the
 * returned adapter is that identity-equivalent state and the gate will reject it.
 *
 * <p>Training always starts from B = 0 on the pairs given (the caller passes the whole labelled
 * history), never from the serving adapter: query events carry the base embedding, so a cold start
 * is reproducible from the data alone and a bad adapter cannot be compounded by its successors.
 *
 * <p>Deterministic for a seed and an input order. Not thread-safe; one training per instance at a
 * time. Blocks; reads from the store.
 */
public final class QueryAdapterTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(QueryAdapterTrainer.class);
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  /** Placeholder id of an adapter not registered yet. */
  public static final String UNREGISTERED_ID = "unregistered";

  /** Fewest labelled queries (with stored vectors) training accepts. */
  public static final int MIN_QUERIES = 4;

  private final AdapterTrainingConfig config;
  private final VectorStore store;
  private final LongSupplier nanoTime;
  private final Map<String, float[][]> vectorCache = new HashMap<>();

  /** A trainer that reads chunk vectors from {@code store} and measures time with the JVM clock. */
  public QueryAdapterTrainer(AdapterTrainingConfig config, VectorStore store) {
    this(config, store, System::nanoTime);
  }

  /** As above, with the time source of the time budget (nanoseconds, monotonic). */
  public QueryAdapterTrainer(
      AdapterTrainingConfig config, VectorStore store, LongSupplier nanoTime) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * Trains an adapter for {@code embedder} on {@code pairs}.
   *
   * @param pairs labelled pairs; every query embedding must have one dimension, equal to the stored
   *     chunk vectors'
   * @param embedder id of the embedder the query embeddings come from (recorded in the adapter)
   * @throws IllegalArgumentException when fewer than {@value #MIN_QUERIES} queries have a relevant
   *     document with stored vectors, or when dimensions disagree (naming both and the document)
   */
  public TrainingOutcome train(List<TrainingPair> pairs, String embedder) {
    long start = nanoTime.getAsLong();
    long deadline = start + config.timeBudget().toNanos();
    Objects.requireNonNull(embedder, "embedder");
    int d = -1;
    List<TrainingPair> usable = new ArrayList<>();
    int skipped = 0;
    for (TrainingPair p : pairs) {
      int len = p.embeddingRef().length;
      if (d == -1) d = len;
      if (len != d) {
        throw new IllegalArgumentException(
            "query " + p.queryId() + " has a " + len + "-d embedding, earlier queries " + d + "-d");
      }
      if (vectors(p.relevantDocumentId(), d) == null) {
        skipped++;
      } else {
        usable.add(p);
      }
    }
    long queries = usable.stream().map(TrainingPair::queryId).distinct().count();
    if (queries < MIN_QUERIES) {
      throw new IllegalArgumentException(
          "need at least "
              + MIN_QUERIES
              + " labelled queries whose relevant documents are in the"
              + " store, have "
              + queries
              + " ("
              + skipped
              + " pairs without stored vectors)");
    }
    PairSplit split = PairSplit.byQuery(usable, config.validationFraction(), config.seed());
    List<Example> train = examples(split.kept(), d);
    List<Example> validation = capPerQuery(examples(split.heldOut(), d), null);
    HeldOutEvaluator evaluator = HeldOutEvaluator.dense(store);

    int r = config.rank();
    Random random = new Random(config.seed());
    float[] a = new float[r * d];
    double bound = 1.0 / Math.sqrt(d); // kaiming_uniform_(a=sqrt(5)): sqrt(6 / ((1 + 5) * fan_in))
    for (int i = 0; i < a.length; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    float[] b = new float[d * r];
    float[] c = config.queryBias() ? new float[d] : null;
    Adam adamA = new Adam(a.length);
    Adam adamB = new Adam(b.length);
    Adam adamC = c == null ? null : new Adam(d);
    ContrastiveObjective objective = objective(d);

    List<EpochStats> history = new ArrayList<>();
    if (config.mineNegatives()) validation = mine(validation, a, b, c, d);
    double baseline = validate(split.heldOut(), validation, evaluator, a, b, c, d, embedder);
    history.add(new EpochStats(0, Double.NaN, baseline));
    float[] bestA = a.clone();
    float[] bestB = b.clone();
    float[] bestC = c == null ? null : c.clone();
    int bestEpoch = 0;
    double best = baseline;
    int sinceBest = 0;
    String stopReason = "max-epochs";
    List<Example> all = train;
    boolean mineEveryEpoch = config.mineNegatives() && !config.mineOnce();
    if (config.mineNegatives() && config.mineOnce()) {
      all = mine(all, a, b, c, d); // B = 0, c = 0: the base model's top documents, once
    }
    int step = 0;
    outer:
    for (int epoch = 1; epoch <= config.maxEpochs(); epoch++) {
      List<Example> sample = capPerQuery(all, random);
      if (mineEveryEpoch) sample = mine(sample, a, b, c, d);
      List<List<Example>> order = terms(sample);
      Collections.shuffle(order, random);
      double lossSum = 0;
      int batches = 0;
      float[] gA = new float[a.length];
      float[] gB = new float[b.length];
      float[] gC = c == null ? null : new float[d];
      for (int from = 0; from < order.size(); from += config.batchSize()) {
        if (nanoTime.getAsLong() > deadline) {
          stopReason = "time-budget";
          break outer;
        }
        List<List<Example>> batch =
            order.subList(from, Math.min(order.size(), from + config.batchSize()));
        java.util.Arrays.fill(gA, 0);
        java.util.Arrays.fill(gB, 0);
        if (gC != null) java.util.Arrays.fill(gC, 0);
        lossSum += batchLoss(batch, a, b, c, objective, gA, gB, gC);
        batches++;
        step++;
        adamA.step(a, gA, step);
        adamB.step(b, gB, step);
        if (adamC != null) adamC.step(c, gC, step);
        if (config.validateEvery() > 0 && step % config.validateEvery() == 0) {
          // a check within the epoch: the validation negatives stay those mined at the last epoch
          double value = validate(split.heldOut(), validation, evaluator, a, b, c, d, embedder);
          history.add(new EpochStats(epoch, lossSum / batches, value));
          LOG.debug("step {} (epoch {}): validation {}", step, epoch, value);
          if (improves(value, best)) {
            best = value;
            bestEpoch = history.size() - 1;
            bestA = a.clone();
            bestB = b.clone();
            bestC = c == null ? null : c.clone();
            sinceBest = 0;
          } else if (++sinceBest >= config.patience()) {
            stopReason = "patience";
            break outer;
          }
        }
      }
      if (mineEveryEpoch) validation = mine(validation, a, b, c, d);
      if (config.validateEvery() == 0) {
        double value = validate(split.heldOut(), validation, evaluator, a, b, c, d, embedder);
        history.add(new EpochStats(epoch, lossSum / Math.max(1, batches), value));
        LOG.debug("epoch {}: train loss {} validation {}", epoch, lossSum / batches, value);
        if (improves(value, best)) {
          best = value;
          bestEpoch = epoch;
          bestA = a.clone();
          bestB = b.clone();
          bestC = c == null ? null : c.clone();
          sinceBest = 0;
        } else if (++sinceBest >= config.patience()) {
          stopReason = "patience";
          break;
        }
      }
      if (nanoTime.getAsLong() > deadline) {
        stopReason = "time-budget";
        break;
      }
    }
    double seconds = (nanoTime.getAsLong() - start) / 1e9;
    LoraAdapter adapter =
        LoraAdapter.of(UNREGISTERED_ID, embedder, d, r, config.alpha(), bestA, bestB, bestC);
    LOG.info(
        "Trained a query adapter in {} s: {} epochs ({}), best epoch {} with validation {} {}"
            + " (initial {}); {} train / {} validation pairs, {} without stored vectors",
        String.format("%.1f", seconds),
        history.size() - 1,
        stopReason,
        bestEpoch,
        config.stopOn(),
        best,
        baseline,
        train.size(),
        validation.size(),
        skipped);
    return new TrainingOutcome(
        adapter, history, bestEpoch, stopReason, seconds, train.size(), validation.size(), skipped);
  }

  private ContrastiveObjective objective(int d) {
    return new ContrastiveObjective(
        d,
        config.rank(),
        config.alpha() / config.rank(),
        config.temperature(),
        config.loss(),
        config.identityWeight());
  }

  private boolean improves(double value, double best) {
    return config.stopOn() == StopOn.NDCG
        ? value > best + config.minDelta()
        : value < best - config.minDelta();
  }

  private double validate(
      List<TrainingPair> pairs,
      List<Example> examples,
      HeldOutEvaluator evaluator,
      float[] a,
      float[] b,
      float[] c,
      int d,
      String embedder) {
    if (config.stopOn() == StopOn.NDCG) {
      LoraAdapter current =
          LoraAdapter.of(UNREGISTERED_ID, embedder, d, config.rank(), config.alpha(), a, b, c);
      return evaluator.evaluate(pairs, current).meanNdcg(HeldOutEvaluator.K);
    }
    ContrastiveObjective objective = objective(d);
    List<List<Example>> terms = terms(examples);
    double sum = 0;
    int batches = 0;
    for (int from = 0; from < terms.size(); from += config.batchSize()) {
      sum +=
          batchLoss(
              terms.subList(from, Math.min(terms.size(), from + config.batchSize())),
              a,
              b,
              c,
              objective,
              null,
              null,
              null);
      batches++;
    }
    return sum / Math.max(1, batches);
  }

  /**
   * The loss terms of an epoch: one per example ({@link Loss#INFO_NCE}) or one per query with all
   * its examples (the multi-positive losses), in first-appearance order.
   */
  private List<List<Example>> terms(List<Example> examples) {
    List<List<Example>> out = new ArrayList<>();
    if (config.loss() == Loss.INFO_NCE) {
      for (Example ex : examples) out.add(List.of(ex));
      return out;
    }
    Map<String, List<Example>> byQuery = new LinkedHashMap<>();
    for (Example ex : examples) {
      byQuery.computeIfAbsent(ex.queryId(), q -> new ArrayList<>()).add(ex);
    }
    out.addAll(byQuery.values());
    return out;
  }

  /**
   * Mean loss of one batch of terms (the identity penalty included when training); adds the mean
   * gradients to {@code gA}, {@code gB} (and {@code gC}, the query bias's, when there is one) when
   * they are not null.
   */
  private double batchLoss(
      List<List<Example>> batch,
      float[] a,
      float[] b,
      float[] c,
      ContrastiveObjective objective,
      float[] gA,
      float[] gB,
      float[] gC) {
    double total = 0;
    double weight = 1.0 / batch.size();
    Map<String, float[][]> vectors = new HashMap<>();
    List<String> inBatch = new ArrayList<>();
    for (List<Example> term : batch) {
      for (Example ex : term) {
        inBatch.add(ex.positiveId());
        vectors.putIfAbsent(ex.positiveId(), ex.positive());
      }
    }
    for (List<Example> term : batch) {
      Example first = term.get(0);
      List<String> positiveIds = new ArrayList<>();
      List<float[][]> positives = new ArrayList<>();
      for (Example ex : term) {
        if (!positiveIds.contains(ex.positiveId())) {
          positiveIds.add(ex.positiveId());
          positives.add(ex.positive());
        }
      }
      Map<String, float[][]> hard = new HashMap<>();
      for (int i = 0; i < first.hardNegativeIds().size(); i++) {
        hard.put(first.hardNegativeIds().get(i), first.hardNegatives().get(i));
      }
      List<float[][]> negatives = new ArrayList<>();
      for (String id : negatives(first.relevant(), positiveIds, inBatch, first.hardNegativeIds())) {
        float[][] v = vectors.get(id);
        negatives.add(v != null ? v : hard.get(id));
      }
      total +=
          objective.evaluate(
              first.embedding(), a, b, c, positives, negatives, gA != null, weight, gA, gB, gC);
    }
    return total * weight;
  }

  /**
   * The negative documents of one loss term, in order: the batch's positive documents, then the
   * term's hard negatives, each once, leaving out the term's positives and every document judged
   * relevant to the query. The last rule masks in-batch false negatives: with many documents
   * relevant to many queries (NFCorpus), another query's positive is often relevant to this one
   * too, and must not be pushed away.
   *
   * @param relevant all documents judged relevant to the term's query
   * @param positives the term's positive documents
   * @param inBatch the positive documents of every term in the batch (this one's included)
   * @param hardNegatives the term's mined or retrieved hard negatives
   */
  static List<String> negatives(
      Set<String> relevant,
      List<String> positives,
      List<String> inBatch,
      List<String> hardNegatives) {
    Set<String> used = new LinkedHashSet<>(positives);
    List<String> out = new ArrayList<>();
    for (List<String> source : List.of(inBatch, hardNegatives)) {
      for (String id : source) {
        if (!relevant.contains(id) && used.add(id)) out.add(id);
      }
    }
    return out;
  }

  /** One (query, positive document) example with its negatives' chunk vectors. */
  private record Example(
      String queryId,
      String queryText,
      List<String> retrieved,
      float[] embedding,
      String positiveId,
      float[][] positive,
      Set<String> relevant,
      List<String> hardNegativeIds,
      List<float[][]> hardNegatives) {}

  private List<Example> examples(List<TrainingPair> pairs, int d) {
    Map<String, Set<String>> relevant = new LinkedHashMap<>();
    for (TrainingPair p : pairs) {
      relevant.computeIfAbsent(p.queryId(), k -> new LinkedHashSet<>()).add(p.relevantDocumentId());
    }
    List<Example> out = new ArrayList<>(pairs.size());
    for (TrainingPair p : pairs) {
      Set<String> rel = relevant.get(p.queryId());
      List<String> negIds = new ArrayList<>();
      List<float[][]> negs = new ArrayList<>();
      for (String id : p.retrievedDocumentIds()) {
        if (negIds.size() >= config.hardNegatives()) break;
        if (rel.contains(id) || negIds.contains(id)) continue;
        float[][] v = vectors(id, d);
        if (v != null) {
          negIds.add(id);
          negs.add(v);
        }
      }
      out.add(
          new Example(
              p.queryId(),
              p.queryText(),
              p.retrievedDocumentIds(),
              unit(p.embeddingRef()),
              p.relevantDocumentId(),
              vectors(p.relevantDocumentId(), d),
              rel,
              negIds,
              negs));
    }
    return out;
  }

  /**
   * The examples with hard negatives mined anew with the current parameters (ANCE-style, Xiong et
   * al., "Approximate Nearest Neighbor Negative Contrastive Learning for Dense Text Retrieval",
   * ICLR 2021): the current adapted query's dense top documents that are not relevant to it come
   * first, the originally retrieved ones fill up to {@code hardNegatives}. One search per query.
   */
  private List<Example> mine(List<Example> examples, float[] a, float[] b, float[] c, int d) {
    if (config.hardNegatives() == 0 || examples.isEmpty()) return examples;
    LoraAdapter current =
        LoraAdapter.of(UNREGISTERED_ID, "mining", d, config.rank(), config.alpha(), a, b, c);
    Map<String, List<String>> mined = new HashMap<>();
    List<Example> out = new ArrayList<>(examples.size());
    for (Example ex : examples) {
      List<String> top =
          mined.computeIfAbsent(
              ex.queryId(),
              q ->
                  store
                      .search(
                          new SearchRequest(
                              ex.queryText(),
                              current.apply(ex.embedding()),
                              Math.min(
                                  SearchRequest.MAX_K,
                                  config.hardNegatives() + ex.relevant().size()),
                              SearchMode.DENSE,
                              SearchFilter.NONE,
                              true))
                      .stream()
                      .map(SearchHit::documentId)
                      .toList());
      List<String> ids = new ArrayList<>();
      List<float[][]> negs = new ArrayList<>();
      for (List<String> source : List.of(top, ex.retrieved())) {
        for (String id : source) {
          if (ids.size() >= config.hardNegatives()) break;
          if (ex.relevant().contains(id) || ids.contains(id)) continue;
          float[][] v = vectors(id, d);
          if (v != null) {
            ids.add(id);
            negs.add(v);
          }
        }
      }
      out.add(
          new Example(
              ex.queryId(),
              ex.queryText(),
              ex.retrieved(),
              ex.embedding(),
              ex.positiveId(),
              ex.positive(),
              ex.relevant(),
              ids,
              negs));
    }
    return out;
  }

  /**
   * At most {@code pairsPerQuery} examples of each query: a random sample per epoch when {@code
   * random} is given, the first ones otherwise (validation). Keeps queries with many relevant
   * documents (NFCorpus: 43 on average) from dominating an epoch with thousands of steps.
   */
  private List<Example> capPerQuery(List<Example> examples, Random random) {
    Map<String, List<Example>> byQuery = new LinkedHashMap<>();
    for (Example ex : examples)
      byQuery.computeIfAbsent(ex.queryId(), q -> new ArrayList<>()).add(ex);
    List<Example> out = new ArrayList<>();
    for (List<Example> list : byQuery.values()) {
      if (list.size() > config.pairsPerQuery()) {
        if (random != null) {
          list = new ArrayList<>(list);
          Collections.shuffle(list, random);
        }
        list = list.subList(0, config.pairsPerQuery());
      }
      out.addAll(list);
    }
    return out;
  }

  /** The stored chunk vectors of a document, or null when the store holds none. */
  private float[][] vectors(String documentId, int d) {
    float[][] v;
    if (vectorCache.containsKey(documentId)) {
      v = vectorCache.get(documentId);
    } else {
      List<float[]> list = store.vectors(documentId);
      v = list.isEmpty() ? null : list.toArray(float[][]::new);
      vectorCache.put(documentId, v);
    }
    if (v != null && v[0].length != d) {
      throw new IllegalArgumentException(
          "dimension mismatch: the query embeddings are "
              + d
              + "-d, the stored vectors of document "
              + documentId
              + " are "
              + v[0].length
              + "-d (another embedder?)");
    }
    return v;
  }

  private static float[] unit(float[] v) {
    double n2 = 0;
    for (float x : v) n2 += (double) x * x;
    double inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] * inv);
    return out;
  }

  /** Adam state of one parameter matrix, with decoupled weight decay. */
  private final class Adam {
    final double[] m;
    final double[] v;

    Adam(int n) {
      m = new double[n];
      v = new double[n];
    }

    void step(float[] theta, float[] grad, int t) {
      double lr = config.learningRate();
      double wd = config.weightDecay();
      double c1 = 1 - Math.pow(BETA1, t);
      double c2 = 1 - Math.pow(BETA2, t);
      for (int i = 0; i < theta.length; i++) {
        m[i] = BETA1 * m[i] + (1 - BETA1) * grad[i];
        v[i] = BETA2 * v[i] + (1 - BETA2) * grad[i] * grad[i];
        double update = (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPSILON);
        theta[i] = (float) (theta[i] - lr * (update + wd * theta[i]));
      }
    }
  }
}
