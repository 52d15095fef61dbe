package dev.harbor.state.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.cli.bench.BenchResult;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The targets, the markdown and the chart of a full run, on made-up rows. */
class PerformanceReportTest {

  private static BenchResult row(
      String driver, String workload, int threads, String target, double ops) {
    return new BenchResult(
        driver, workload, 32, threads, target, ops, 1_000, 2_000_000, 3_000_000, 0, 0, "", 0, 0);
  }

  private static List<BenchResult> rows() {
    List<BenchResult> rows = new ArrayList<>();
    for (int t : new int[] {1, 4, 16}) {
      rows.add(row("postgres", "save", t, "store", 950));
      rows.add(row("postgres", "save", t, "jdbc", 1000));
      rows.add(row("postgres", "save", t, "pgbench", 1000));
      rows.add(row("postgres", "load", t, "store", 700));
      rows.add(row("postgres", "load", t, "pgbench", 1000));
      rows.add(row("sqlite", "save", t, "store", 800));
      rows.add(row("sqlite", "save", t, "sqlite-jdbc", 1000));
      rows.add(row("sqlite", "load", t, "store", t == 1 ? 1000 : 1700));
      rows.add(row("sqlite", "load", t, "sqlite-jdbc", 1200));
      rows.add(row("inmem", "save", t, "store", 200_000));
      rows.add(row("inmem", "save", t, "map", 1000));
    }
    rows.add(
        new BenchResult(
            "inmem", "saveIf", 32, 4, "store", 500, 1, 2, 3, 2, 40, "StorageException: x", 0, 0));
    return rows;
  }

  @Test
  void verdicts_judgeEachTargetAtEachThreadCount_againstTheRatioNeededThere() {
    List<PerformanceTargets.Verdict> v = PerformanceTargets.verdicts(rows());
    // 0.95 of pgbench: enough for 0.9 at one thread, not for 1.3 at 4 nor 2.5 at 16.
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("PostgreSQL save vs"))
        .extracting(x -> x.threads() + ":" + x.needed() + ":" + x.holds().orElseThrow())
        .containsExactly("1:0.9:true", "4:1.3:false", "16:2.5:false");
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("PostgreSQL load"))
        .hasSize(3)
        .allSatisfy(x -> assertThat(x.holds()).contains(false));
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("PostgreSQL saveAll"))
        .hasSize(3)
        .allSatisfy(x -> assertThat(x.holds()).isEmpty());
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("SQLite save vs"))
        .extracting(x -> x.threads() + ":" + x.holds().orElseThrow())
        .containsExactly("1:false", "4:false", "16:false");
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("SQLite load vs"))
        .extracting(x -> x.threads() + ":" + x.holds().orElseThrow())
        .containsExactly("1:true", "4:true");
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("SQLite load at 4 threads"))
        .singleElement()
        .satisfies(x -> assertThat(x.ratio()).isEqualTo(1.7));
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("In-memory save ≥"))
        .singleElement()
        .satisfies(x -> assertThat(x.holds()).contains(true));
    assertThat(v)
        .filteredOn(x -> x.target().startsWith("In-memory saveIf") && x.threads() == 4)
        .singleElement()
        .satisfies(x -> assertThat(x.holds()).contains(false));
  }

  @Test
  void theChartsTarget_isTheOneStatedForThatThreadCount() {
    assertThat(PerformanceTargets.target("sqlite", "save", 16)).isEqualTo(5.0);
    assertThat(PerformanceTargets.target("postgres", "save", 4)).isEqualTo(1.3);
    assertThat(PerformanceTargets.target("sqlite", "load", 16)).isNaN();
    assertThat(PerformanceTargets.target("inmem", "save", 1)).isNaN();
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
  void textAfterTheNotesEndMarker_stopsARegenerationThatWouldDropIt() {
    String file =
        PerformanceReport.NOTES_BEGIN
            + "\nkept\n"
            + PerformanceReport.NOTES_END
            + "\n\n## A section written after the notes\n";
    assertThatThrownBy(() -> PerformanceReport.notesOf(file))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("move that text inside");
    assertThat(PerformanceReport.notesOf(file.substring(0, file.indexOf("## A"))))
        .isEqualTo("kept");
  }

  @Test
  void svg_isWellFormedWithABarPerRatio() throws Exception {
    String svg = PerformanceChart.svg(rows());
    Document doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
    // postgres: save and load at 3 thread counts; sqlite: save and load; inmem: save (saveAll has
    // no rows here)
    assertThat(doc.getElementsByTagName("title").getLength()).isEqualTo(3 * 2 + 3 * 2 + 3);
    // A target mark beside each bar that has one: postgres save and load, sqlite save, sqlite load
    // at 1 and 4 threads.
    assertThat(svg.split("stroke-dasharray", -1)).hasSize(1 + 3 + 3 + 3 + 2);
    assertThat(svg)
        .contains("postgres vs pgbench", "sqlite vs sqlite-jdbc", "inmem vs map", "16 threads");
  }
}
