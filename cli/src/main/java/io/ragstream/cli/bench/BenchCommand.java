package io.ragstream.cli.bench;

import picocli.CommandLine.Command;

/** {@code ragstream bench ...}: benchmarks that print figures. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks against a running platform (./ragstream local).",
    subcommands = {
      ChatBench.class,
      CrashBench.class,
      ReportBench.class,
      EmbedBench.class,
      FreshnessBench.class,
      IngestBench.class,
      SearchBench.class
    })
public final class BenchCommand {}
