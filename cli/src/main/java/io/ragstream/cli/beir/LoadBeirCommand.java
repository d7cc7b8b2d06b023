package io.ragstream.cli.beir;

import io.ragstream.cli.options.SourceDatabaseOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream load beir DIR [--limit N]}: upserts a BEIR corpus into the source table (created
 * if missing), with a progress bar on stderr and a summary line on stdout. See {@link
 * BeirCorpusLoader} for the row mapping and why re-loading unchanged data produces no CDC event.
 *
 * <p>Exit codes: 0 on success, 1 when the dataset or the database fails, 2 for bad options.
 */
@Command(
    name = "beir",
    mixinStandardHelpOptions = true,
    description = {
      "Upsert a BEIR corpus (DIR/corpus.jsonl) into the source table, creating the table if"
          + " missing.",
      "Rows: id = _id, title = title, body = text; unchanged rows are not rewritten (no CDC event)."
    })
public final class LoadBeirCommand implements Callable<Integer> {
  /** Default source JDBC URL (DESIGN.md: the PostgreSQL on the machine). */
  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "BEIR dataset directory (holds corpus.jsonl).")
  private Path dir;

  @Mixin private SourceDatabaseOptions source;

  @Option(names = "--limit", paramLabel = "N", description = "Load only the first N documents.")
  private Long limit;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "500",
      description = "Documents per JDBC batch and transaction. Default: ${DEFAULT-VALUE}.")
  private int batchSize;

  @Option(
      names = "--tenant",
      paramLabel = "TENANT",
      defaultValue = "public",
      description = "Tenant of every row. Default: ${DEFAULT-VALUE}.")
  private String tenant;

  @Option(
      names = "--acl",
      paramLabel = "PRINCIPAL",
      defaultValue = "public",
      split = ",",
      description = "Principals allowed to read every row (comma list). Default: ${DEFAULT-VALUE}.")
  private List<String> acl;

  @Override
  public Integer call() {
    if (limit != null && limit < 1) throw badOption("--limit must be >= 1, was " + limit);
    SourceTable sourceTable;
    BeirCorpusLoader loader;
    try {
      sourceTable = source.sourceTable();
      loader =
          new BeirCorpusLoader(
              sourceTable, tenant, acl.stream().map(String::strip).toList(), batchSize);
    } catch (IllegalArgumentException e) {
      throw badOption(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      BeirDataset dataset = BeirDataset.open(dir);
      long total = dataset.countCorpusDocuments();
      if (limit != null) total = Math.min(total, limit);
      try (Connection connection = source.connect()) {
        if (loader.ensureTable(connection)) {
          err.println("created table " + sourceTable);
          err.flush();
        }
        BeirCorpusLoader.LoadResult result;
        try (Stream<BeirDocument> corpus = dataset.corpus();
            ProgressBar bar = progressBar("load " + dataset.name(), total)) {
          Stream<BeirDocument> documents = limit == null ? corpus : corpus.limit(limit);
          result = loader.load(connection, documents.iterator(), bar::stepBy);
        }
        out.printf(
            Locale.ROOT,
            "upserted %d rows from %s into %s in %.1f s (%.0f rows/s): %d new or changed, %d"
                + " unchanged%n",
            result.documents(),
            dataset.name(),
            sourceTable,
            result.elapsed().toMillis() / 1000.0,
            result.documentsPerSecond(),
            result.changed(),
            result.unchanged());
        out.flush();
      }
      return 0;
    } catch (BeirFormatException | IllegalArgumentException e) {
      err.println("load beir: " + e.getMessage());
      return 1;
    } catch (SQLException e) {
      err.println(
          "load beir: " + source.jdbcUrl() + " as " + source.user() + ": " + e.getMessage());
      return 1;
    }
  }

  private ParameterException badOption(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private static ProgressBar progressBar(String task, long total) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(" docs", 1)
        .showSpeed()
        .build();
  }
}
