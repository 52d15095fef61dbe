package dev.harbor.state.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class PerformanceReportTest {

  private static BenchRow row(
      String driver, String workload, int threads, String target, double ops) {
    return new BenchRow(
        driver, workload, 32, threads, target, ops, 1_000, 2_000_000, 3_000_000, 0, 0, "");
  }

  private static List<BenchRow> rows() {
    List<BenchRow> rows = new ArrayList<>();
    for (int t : new int[] {1, 4, 16}) {
      rows.add(row("postgres", "save", t, "store", 950));
      rows.add(row("postgres", "save", t, "jdbc", 1000));
      rows.add(row("postgres", "save", t, "pgbench", 1000));
      rows.add(row("postgres", "load", t, "store", 700));
      rows.add(row("postgres", "load", t, "pgbench", 1000));
      rows.add(row("sqlite", "save", t, "store", 800));
      rows.add(row("sqlite", "save", t, "sqlite-jdbc", 1000));
      rows.add(row("sqlite", "load", t, "store", t == 1 ? 1000 : 1700));
      rows.add(row("inmem", "save", t, "store", 600));
      rows.add(row("inmem", "save", t, "map", 1000));
    }
    rows.add(
        new BenchRow(
            "inmem", "saveIf", 32, 4, "store", 500, 1, 2, 3, 2, 40, "StorageException: x"));
    return rows;
  }

  @Test
  void verdicts_judgeEachTargetAtEachThreadCount() {
    List<PerformanceReport.Verdict> v = PerformanceReport.verdicts(rows());
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("PostgreSQL save ≥"))
        .hasSize(3)
        .allSatisfy(x -> assertThat(x.holds()).contains(true));
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("PostgreSQL load"))
        .hasSize(3)
        .allSatisfy(x -> assertThat(x.holds()).contains(false));
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("PostgreSQL saveAll"))
        .allSatisfy(x -> assertThat(x.holds()).isEmpty());
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("SQLite save ≥"))
        .allSatisfy(x -> assertThat(x.holds()).contains(true));
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("SQLite load"))
        .singleElement()
        .satisfies(x -> assertThat(x.ratio()).isEqualTo(1.7));
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("In-memory saveIf") && x.threads() == 4)
        .singleElement()
        .satisfies(x -> assertThat(x.holds()).contains(false));
  }

  @Test
  void markdown_hasEveryTableAndKeepsTheNotes() {
    String md =
        PerformanceReport.markdown(
            "2026-01-01T00:00:00Z",
            PerformanceSuite.COMMAND,
            List.of("2 cores"),
            Map.of("postgres", "`settings`"),
            rows(),
            List.of(
                new JmhRow("save", "inmem", "store", 1, 100, Double.NaN),
                new JmhRow("save", "inmem", "baseline", 1, 400, 12)),
            "hand-written\nnotes");
    assertThat(md)
        .contains(
            PerformanceSuite.COMMAND,
            "## Targets",
            "## PostgreSQL: `harbor-state bench`",
            "## SQLite",
            "## In-memory",
            "## JMH",
            "## What limits each figure",
            "`settings`",
            "| save | inmem | 1 | 100 | 400 ± 12.0 | **0.25** |",
            "| **no** |");
    assertThat(md)
        .containsPattern(
            "\\| save \\| 32 B \\| 4 \\| 950 \\| 1\\.0 µs \\| 2\\.00 ms \\| 3\\.00 ms \\| 0 \\|"
                + " 1,000 \\| \\*\\*0\\.95\\*\\* \\| 1,000 \\| \\*\\*0\\.95\\*\\* \\|");
    assertThat(PerformanceReport.notesOf(md)).isEqualTo("hand-written\nnotes");
    assertThat(PerformanceReport.notesOf("no markers")).isEmpty();
  }

  @Test
  void svg_isWellFormedWithABarPerRatio() throws Exception {
    String svg = PerformanceReport.svg(rows());
    Document doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
    // postgres: save and load at 3 thread counts; sqlite: save; inmem: save (saveAll has no rows
    // here)
    assertThat(doc.getElementsByTagName("title").getLength()).isEqualTo(3 * 2 + 3 + 3);
    assertThat(svg)
        .contains("postgres vs pgbench", "sqlite vs sqlite-jdbc", "inmem vs map", "16 threads");
  }

  @Test
  void benchCsv_roundTripsQuotedErrors() {
    List<BenchRow> rows =
        BenchRow.parse(
            List.of(
                "driver,workload,payload,threads,target,ops_per_s,p50_ns,p99_ns,p999_ns,errors,conflicts,first_error",
                "sqlite,save,32,4,store,123.5,10,20,30,1,0,\"StorageException: a, \"\"b\"\"\"",
                "sqlite,save,32,4,sqlite-jdbc,200.0,1,2,3,0,0,"));
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0))
        .isEqualTo(
            new BenchRow(
                "sqlite",
                "save",
                32,
                4,
                "store",
                123.5,
                10,
                20,
                30,
                1,
                0,
                "StorageException: a, \"b\""));
    assertThat(rows.get(1).firstError()).isEmpty();
    assertThatThrownBy(() -> BenchRow.parse(List.of("nope")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Optional.of(rows.get(1).ops())).contains(200.0);
  }
}
