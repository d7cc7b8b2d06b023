package io.ragstream.core.event;

/** The two kinds of adapter the platform trains. */
public enum AdapterKind {
  /**
   * A LoRA update of the query embedding, trained in-process: {@code q' = normalize(q +
   * (alpha/r)·B·A·q)}. It changes only queries, so the corpus is not re-embedded.
   */
  QUERY_ADAPTER,
  /** A LoRA adapter of the answer-generating LLM, trained by an external job and served by vLLM. */
  LLM_LORA
}
