package io.ragstream.trainer.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a PEFT LoRA adapter as {@code PeftModel.save_pretrained} writes them and vLLM's
 * {@code /v1/load_lora_adapter} reads them: {@value #CONFIG} and {@value #WEIGHTS} (PEFT docs,
 * "Checkpoint format").
 */
public final class PeftAdapterFiles {

  /** The adapter's configuration (base model, rank, alpha, target modules). */
  public static final String CONFIG = "adapter_config.json";

  /** The adapter's weights in safetensors format. */
  public static final String WEIGHTS = "adapter_model.safetensors";

  private PeftAdapterFiles() {}

  /**
   * Names of the adapter files {@code dir} lacks (a file that is empty counts as missing), in the
   * order {@value #CONFIG}, {@value #WEIGHTS}; empty when {@code dir} holds an adapter. A missing
   * {@code dir} lacks both.
   */
  public static List<String> missing(Path dir) {
    List<String> missing = new ArrayList<>();
    for (String name : List.of(CONFIG, WEIGHTS)) {
      Path file = dir.resolve(name);
      try {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
          missing.add(name);
        }
      } catch (java.io.IOException e) {
        missing.add(name);
      }
    }
    return missing;
  }
}
