package io.ragstream.trainer.adapter;

import io.ragstream.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * Hyper-parameters of {@link QueryAdapterTrainer}; every value is checked in the constructor, which
 * throws a {@link ConfigException} naming the key ({@code adapter.<component>}) and the bad value.
 * The defaults ({@link #defaults()}) are the {@code DEFAULT_*} constants; docs/query-adapter.md
 * explains them.
 *
 * @param rank r of the low-rank update, in [1, 64]
 * @param alpha LoRA alpha; the update is scaled by alpha / r; {@code > 0}
 * @param temperature InfoNCE temperature τ (van den Oord et al. 2018), in (0, 1]
 * @param learningRate Adam step size (Kingma and Ba 2015), {@code > 0}
 * @param weightDecay decoupled weight decay on A and B (AdamW, Loshchilov and Hutter 2019), {@code
 *     >= 0}
 * @param batchSize pairs ({@link Loss#INFO_NCE}) or queries (the multi-positive losses) per step;
 *     in-batch negatives are the other pairs' or queries' positive documents, {@code >= 2}
 * @param maxEpochs upper bound on passes over the training pairs, {@code >= 1}
 * @param patience epochs without a validation improvement before stopping, {@code >= 1}
 * @param minDelta smallest validation change that counts as an improvement, {@code >= 0}
 * @param validationFraction share of the training queries held out for early stopping, in (0, 0.5]
 * @param hardNegatives retrieved non-relevant documents per query used as negatives, {@code >= 0}
 * @param pairsPerQuery most (query, relevant document) pairs of one query used per epoch (a fresh
 *     random sample each epoch; with a multi-positive loss, the positives of the query's one term),
 *     {@code >= 1}
 * @param mineNegatives whether hard negatives are mined again before every epoch with the current
 *     adapter (dense top documents of the adapted query), the originally retrieved ones filling up
 * @param mineOnce with {@code mineNegatives}: mine once, before training, with the base model (each
 *     query's {@code hardNegatives} top non-relevant documents of the base index, a fixed pool)
 *     instead of again before every epoch; found better on NFCorpus (docs/query-adapter.md)
 * @param loss the contrastive loss ({@link Loss}); in every variant a document judged relevant to a
 *     query is never one of its negatives (in-batch or mined)
 * @param identityWeight λ of the penalty λ·|q' − e|² on the change of the unit query vector
 *     (regularisation toward the identity map), {@code >= 0}; 0 switches it off
 * @param queryBias whether the adapter also learns a query bias c ([d], starting at zero): {@code
 *     q' = normalize(e + (alpha/r)·B·A·e + c)}; every document's score then gains {@code <c,
 *     chunk>}, a query-independent document prior (a popularity prior on NFCorpus, where documents
 *     are relevant to many queries). Off by default
 * @param validateEvery measure the validation figure (early stopping, best state) every this many
 *     optimizer steps as well as at the end of every epoch; 0 (the default) = once per epoch
 * @param stopOn the early-stopping criterion
 * @param timeBudget wall-clock limit of training (validation included); the best state so far is
 *     returned when it runs out; positive
 * @param seed seed of the initialization, the split and the shuffles (same seed + same data = same
 *     adapter)
 */
public record AdapterTrainingConfig(
    int rank,
    double alpha,
    double temperature,
    double learningRate,
    double weightDecay,
    int batchSize,
    int maxEpochs,
    int patience,
    double minDelta,
    double validationFraction,
    int hardNegatives,
    int pairsPerQuery,
    boolean mineNegatives,
    boolean mineOnce,
    Loss loss,
    double identityWeight,
    boolean queryBias,
    int validateEvery,
    StopOn stopOn,
    Duration timeBudget,
    long seed) {

  /**
   * The contrastive loss. In all three a document judged relevant to the query (any of its pairs)
   * is masked out of its negatives, in-batch and mined ({@link ContrastiveObjective} has the
   * formulas and sources).
   */
  public enum Loss {
    /**
     * One term per (query, relevant document) pair: InfoNCE with that document as the only
     * positive; batches are of pairs (van den Oord et al. 2018).
     */
    INFO_NCE,
    /**
     * One term per query: all of its sampled relevant documents (up to {@code pairsPerQuery}) are
     * positives of one softmax with a uniform target, L_out of Khosla et al., "Supervised
     * Contrastive Learning", NeurIPS 2020 (= ListNet top-one cross entropy, Cao et al. 2007);
     * batches are of queries.
     */
    SUP_CON,
    /**
     * One term per query with all its sampled relevant documents in the numerator (MIL-NCE, Miech
     * et al., CVPR 2020); batches are of queries.
     */
    MIL_NCE
  }

  /** What early stopping watches on the validation queries. */
  public enum StopOn {
    /** Validation nDCG@10 by real dense search through the store (higher is better). */
    NDCG,
    /** Validation InfoNCE loss with the same negatives as training (lower is better). */
    LOSS
  }

  public static final int DEFAULT_RANK = 8;
  public static final double DEFAULT_ALPHA = 16;
  public static final double DEFAULT_TEMPERATURE = 0.05;
  public static final double DEFAULT_LEARNING_RATE = 1e-3;
  public static final double DEFAULT_WEIGHT_DECAY = 0.0;
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final int DEFAULT_MAX_EPOCHS = 200;
  public static final int DEFAULT_PATIENCE = 5;
  public static final double DEFAULT_MIN_DELTA = 1e-4;
  public static final double DEFAULT_VALIDATION_FRACTION = 0.2;
  public static final int DEFAULT_HARD_NEGATIVES = 10;
  public static final int DEFAULT_PAIRS_PER_QUERY = 4;
  public static final boolean DEFAULT_MINE_NEGATIVES = true;
  public static final boolean DEFAULT_MINE_ONCE = false;
  public static final Loss DEFAULT_LOSS = Loss.INFO_NCE;
  public static final double DEFAULT_IDENTITY_WEIGHT = 0.0;
  public static final boolean DEFAULT_QUERY_BIAS = false;
  public static final int DEFAULT_VALIDATE_EVERY = 0;
  public static final StopOn DEFAULT_STOP_ON = StopOn.LOSS;
  public static final Duration DEFAULT_TIME_BUDGET = Duration.ofSeconds(50);
  public static final long DEFAULT_SEED = 42;

  public AdapterTrainingConfig {
    if (rank < 1 || rank > 64) throw bad("rank", rank, "must be in [1, 64]");
    if (!(alpha > 0) || !Double.isFinite(alpha)) throw bad("alpha", alpha, "must be > 0");
    if (!(temperature > 0 && temperature <= 1)) {
      throw bad("temperature", temperature, "must be in (0, 1]");
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw bad("learning-rate", learningRate, "must be > 0");
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw bad("weight-decay", weightDecay, "must be >= 0");
    }
    if (batchSize < 2) throw bad("batch-size", batchSize, "must be >= 2");
    if (maxEpochs < 1) throw bad("max-epochs", maxEpochs, "must be >= 1");
    if (patience < 1) throw bad("patience", patience, "must be >= 1");
    if (!(minDelta >= 0)) throw bad("min-delta", minDelta, "must be >= 0");
    if (!(validationFraction > 0 && validationFraction <= 0.5)) {
      throw bad("validation-fraction", validationFraction, "must be in (0, 0.5]");
    }
    if (hardNegatives < 0) throw bad("hard-negatives", hardNegatives, "must be >= 0");
    if (pairsPerQuery < 1) throw bad("pairs-per-query", pairsPerQuery, "must be >= 1");
    if (loss == null) throw bad("loss", null, "must be one of INFO_NCE, SUP_CON, MIL_NCE");
    if (!(identityWeight >= 0) || !Double.isFinite(identityWeight)) {
      throw bad("identity-weight", identityWeight, "must be >= 0");
    }
    if (validateEvery < 0) throw bad("validate-every", validateEvery, "must be >= 0");
    Objects.requireNonNull(stopOn, "stopOn");
    if (timeBudget == null || timeBudget.isNegative() || timeBudget.isZero()) {
      throw bad("time-budget", timeBudget, "must be positive");
    }
  }

  /** The documented defaults. */
  public static AdapterTrainingConfig defaults() {
    return new AdapterTrainingConfig(
        DEFAULT_RANK,
        DEFAULT_ALPHA,
        DEFAULT_TEMPERATURE,
        DEFAULT_LEARNING_RATE,
        DEFAULT_WEIGHT_DECAY,
        DEFAULT_BATCH_SIZE,
        DEFAULT_MAX_EPOCHS,
        DEFAULT_PATIENCE,
        DEFAULT_MIN_DELTA,
        DEFAULT_VALIDATION_FRACTION,
        DEFAULT_HARD_NEGATIVES,
        DEFAULT_PAIRS_PER_QUERY,
        DEFAULT_MINE_NEGATIVES,
        DEFAULT_MINE_ONCE,
        DEFAULT_LOSS,
        DEFAULT_IDENTITY_WEIGHT,
        DEFAULT_QUERY_BIAS,
        DEFAULT_VALIDATE_EVERY,
        DEFAULT_STOP_ON,
        DEFAULT_TIME_BUDGET,
        DEFAULT_SEED);
  }

  /** A copy with another rank and alpha. */
  public AdapterTrainingConfig withRank(int newRank, double newAlpha) {
    Copy c = new Copy(this);
    c.rank = newRank;
    c.alpha = newAlpha;
    return c.build();
  }

  /** A copy with another temperature and learning rate. */
  public AdapterTrainingConfig withOptimizer(double newTemperature, double newLearningRate) {
    Copy c = new Copy(this);
    c.temperature = newTemperature;
    c.learningRate = newLearningRate;
    return c.build();
  }

  /** A copy with other epochs, patience and early-stopping criterion. */
  public AdapterTrainingConfig withSchedule(int newMaxEpochs, int newPatience, StopOn newStopOn) {
    Copy c = new Copy(this);
    c.maxEpochs = newMaxEpochs;
    c.patience = newPatience;
    c.stopOn = newStopOn;
    return c.build();
  }

  /** A copy with another number of hard negatives and batch size. */
  public AdapterTrainingConfig withNegatives(int newHardNegatives, int newBatchSize) {
    Copy c = new Copy(this);
    c.batchSize = newBatchSize;
    c.hardNegatives = newHardNegatives;
    return c.build();
  }

  /** A copy with negative mining on or off. */
  public AdapterTrainingConfig withMining(boolean newMineNegatives) {
    return withMining(newMineNegatives, mineOnce);
  }

  /** A copy that mines hard negatives ({@code newMineNegatives}) once or before every epoch. */
  public AdapterTrainingConfig withMining(boolean newMineNegatives, boolean newMineOnce) {
    Copy c = new Copy(this);
    c.mineNegatives = newMineNegatives;
    c.mineOnce = newMineOnce;
    return c.build();
  }

  /** A copy with another loss, identity penalty and weight decay. */
  public AdapterTrainingConfig withLoss(
      Loss newLoss, double newIdentityWeight, double newWeightDecay) {
    Copy c = new Copy(this);
    c.weightDecay = newWeightDecay;
    c.loss = newLoss;
    c.identityWeight = newIdentityWeight;
    return c.build();
  }

  /** A copy with the query bias on or off and another validation interval (steps, 0 = epochs). */
  public AdapterTrainingConfig withQueryBias(boolean newQueryBias, int newValidateEvery) {
    Copy c = new Copy(this);
    c.queryBias = newQueryBias;
    c.validateEvery = newValidateEvery;
    return c.build();
  }

  /** A copy with another share of the training queries held out for early stopping. */
  public AdapterTrainingConfig withValidationFraction(double newValidationFraction) {
    Copy c = new Copy(this);
    c.validationFraction = newValidationFraction;
    return c.build();
  }

  /** A copy with another cap of pairs per query and epoch. */
  public AdapterTrainingConfig withPairsPerQuery(int newPairsPerQuery) {
    Copy c = new Copy(this);
    c.pairsPerQuery = newPairsPerQuery;
    return c.build();
  }

  /** A copy with another time budget and seed. */
  public AdapterTrainingConfig withBudget(Duration newTimeBudget, long newSeed) {
    Copy c = new Copy(this);
    c.timeBudget = newTimeBudget;
    c.seed = newSeed;
    return c.build();
  }

  /** A mutable copy, so that each {@code with*} method names only what it changes. */
  private static final class Copy {
    private int rank;
    private double alpha;
    private double temperature;
    private double learningRate;
    private double weightDecay;
    private int batchSize;
    private int maxEpochs;
    private int patience;
    private double minDelta;
    private double validationFraction;
    private int hardNegatives;
    private int pairsPerQuery;
    private boolean mineNegatives;
    private boolean mineOnce;
    private Loss loss;
    private double identityWeight;
    private boolean queryBias;
    private int validateEvery;
    private StopOn stopOn;
    private Duration timeBudget;
    private long seed;

    Copy(AdapterTrainingConfig c) {
      rank = c.rank;
      alpha = c.alpha;
      temperature = c.temperature;
      learningRate = c.learningRate;
      weightDecay = c.weightDecay;
      batchSize = c.batchSize;
      maxEpochs = c.maxEpochs;
      patience = c.patience;
      minDelta = c.minDelta;
      validationFraction = c.validationFraction;
      hardNegatives = c.hardNegatives;
      pairsPerQuery = c.pairsPerQuery;
      mineNegatives = c.mineNegatives;
      mineOnce = c.mineOnce;
      loss = c.loss;
      identityWeight = c.identityWeight;
      queryBias = c.queryBias;
      validateEvery = c.validateEvery;
      stopOn = c.stopOn;
      timeBudget = c.timeBudget;
      seed = c.seed;
    }

    AdapterTrainingConfig build() {
      return new AdapterTrainingConfig(
          rank,
          alpha,
          temperature,
          learningRate,
          weightDecay,
          batchSize,
          maxEpochs,
          patience,
          minDelta,
          validationFraction,
          hardNegatives,
          pairsPerQuery,
          mineNegatives,
          mineOnce,
          loss,
          identityWeight,
          queryBias,
          validateEvery,
          stopOn,
          timeBudget,
          seed);
    }
  }

  private static ConfigException bad(String key, Object value, String rule) {
    return new ConfigException("adapter." + key, rule + ", was " + value);
  }
}
