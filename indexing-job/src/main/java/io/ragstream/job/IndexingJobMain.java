package io.ragstream.job;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * Entry point of the shaded job jar ({@code ragstream-indexing-job-VERSION-flink.jar}): reads the
 * options from {@code --key value} program arguments and runs {@link ClusterIndexingJob}, e.g.
 * {@code flink run -d ragstream-indexing-job-0.1.0-SNAPSHOT-flink.jar
 * --ragstream.kafka.bootstrap-servers kafka:9092 --ragstream.store.kind qdrant
 * --ragstream.store.qdrant.url http://qdrant:6334}. See docs/flink-job.md for every option.
 */
public final class IndexingJobMain {
  private IndexingJobMain() {}

  /**
   * Builds and runs the job.
   *
   * @throws IllegalArgumentException naming the option that is missing or invalid
   */
  public static void main(String[] args) throws Exception {
    Configuration conf = ParameterTool.fromArgs(args).getConfiguration();
    ClusterIndexingJob.run(
        ClusterIndexingJob.fromConfiguration(conf),
        conf,
        StreamExecutionEnvironment.getExecutionEnvironment(conf));
  }
}
