package io.ragstream.cli.beir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SourceTableTest {

  @Test
  void parsesSchemaQualifiedAndBareNames() {
    assertThat(SourceTable.parse("public.documents").quoted())
        .isEqualTo("\"public\".\"documents\"");
    assertThat(SourceTable.parse("docs")).isEqualTo(new SourceTable("public", "docs"));
  }

  @Test
  void rejectsAnythingThatIsNotTwoPlainIdentifiers() {
    for (String bad :
        new String[] {
          "public.documents; DROP TABLE x",
          "a.b.c",
          "\"quoted\".t",
          "public.",
          ".t",
          "1abc.t",
          "a-b.t",
          ""
        }) {
      assertThatThrownBy(() -> SourceTable.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("was '" + bad + "'");
    }
  }
}
