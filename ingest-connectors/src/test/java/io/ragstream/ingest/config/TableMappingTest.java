package io.ragstream.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TableMappingTest {

  @Test
  void defaultsMapTheDesignTable() {
    TableMapping m = TableMapping.defaults();

    assertThat(m.qualifiedName()).isEqualTo("public.documents");
    assertThat(m.columns()).containsExactly("id", "title", "body", "tenant", "acl", "updated_at");
    assertThat(m.metadataColumns()).containsExactly("updated_at");
    assertThat(m.topic("ragstream")).isEqualTo("ragstream.public.documents");
  }

  @Test
  void rejectsBlankNamesNamingTheField() {
    assertThatThrownBy(() -> mapping(" ", "id", "body", List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table");
    assertThatThrownBy(() -> mapping("t", "", "body", List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idColumn");
    assertThatThrownBy(() -> mapping("t", "id", null, List.of()))
        .hasMessageContaining("bodyColumn");
    assertThatThrownBy(() -> mapping("t", "id", "body", List.of("ok", " ")))
        .hasMessageContaining("metadataColumns[1]");
    assertThatThrownBy(() -> new TableMapping("s", "t", "id", " ", "body", null, null, List.of()))
        .hasMessageContaining("titleColumn");
  }

  @Test
  void allowsOptionalColumnsToBeUnmapped() {
    TableMapping m = new TableMapping("s", "t", "id", null, "body", null, null, null);

    assertThat(m.columns()).containsExactly("id", "body");
    assertThat(m.metadataColumns()).isEmpty();
  }

  @Test
  void rejectsAColumnMappedTwice() {
    assertThatThrownBy(() -> mapping("t", "id", "body", List.of("id")))
        .hasMessageContaining("column 'id' is mapped twice");
  }

  private static TableMapping mapping(String table, String id, String body, List<String> metadata) {
    return new TableMapping("public", table, id, "title", body, "tenant", "acl", metadata);
  }
}
