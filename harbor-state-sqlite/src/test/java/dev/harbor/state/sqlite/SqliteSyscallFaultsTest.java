package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import dev.harbor.state.testing.SyscallFault;
import dev.harbor.state.testing.SyscallFault.Errno;
import dev.harbor.state.testing.SyscallFault.Syscall;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One failed system call under a store in another process ({@link SyscallFaultChild}), injected
 * with {@code strace} at the moment the test chooses ({@link SyscallFault}), and what the store
 * does next: a call that hit the fault fails as the contract says, every later call of the same
 * instance works, and after a crash the file holds what the instance said.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard; nothing here is timed
class SqliteSyscallFaultsTest {

  private Path dir;
  private Path file;
  private Process child;
  private long pid;
  private long tid;

  @BeforeEach
  void start() throws IOException {
    SyscallFault.requireStrace();
    dir = TestFiles.newDirectory("harbor-syscall-faults").toRealPath();
    file = dir.resolve("f.db");
    startChild();
  }

  private void startChild() throws IOException {
    child = SyscallFaultChild.start(file, dir.resolve("child.err").toFile());
    String[] ready = reply().split(" ");
    assertThat(ready[0])
        .as("the child started (see %s)", dir.resolve("child.err"))
        .isEqualTo("READY");
    pid = Long.parseLong(ready[1]);
    tid = Long.parseLong(ready[2]);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (child != null) {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    TestFiles.deleteRecursively(dir);
  }

  private String reply() throws IOException {
    InputStream in = child.getInputStream();
    String line = ChildProcess.readLine(in);
    return line == null ? "EOF" : line;
  }

  private String call(String command) throws IOException {
    ChildProcess.send(child, command);
    return reply();
  }

  private List<Path> wal() {
    return List.of(Path.of(file + "-wal"));
  }

  private SyscallFault arm(Syscall syscall, Errno errno, List<Path> files) {
    return SyscallFault.arm(pid, tid, syscall, errno, files);
  }

  private void crash() throws InterruptedException, IOException {
    new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
    child.waitFor(30, TimeUnit.SECONDS);
    child = null;
  }

  // ---- issue 23 defect 7: one I/O error must not break the instance ----

  @Test
  void aFullDiskAtCommit_failsThatWrite_andTheNextWritesOfTheSameInstanceWork() throws Exception {
    assertThat(call("save before k0")).isEqualTo("OK");
    try (SyscallFault full = arm(Syscall.PWRITE64, Errno.ENOSPC, wal())) {
      assertThat(call("save full k1"))
          .as("the save that met %s", full)
          .isEqualTo("ERR StorageException false");
    }
    // The space is back: the same instance writes again (it kept a statement sqlite-jdbc had
    // closed, and failed every write with "statement is not executing").
    for (int i = 0; i < 4; i++) {
      assertThat(call("save after" + i + " k" + (2 + i))).isEqualTo("OK");
    }
    assertThat(call("find k1")).isEqualTo("ABSENT");
    assertThat(call("find k2")).isEqualTo("FOUND after0");
  }

  @Test
  void anIoErrorReadingAPage_failsThatRead_andEveryLaterReadWorks() throws Exception {
    assertThat(call("save x kx")).isEqualTo("OK");
    for (int i = 0; i < 4; i++) {
      assertThat(call("find kx")).as("warming read connection %d", i).isEqualTo("FOUND x");
    }
    // A write makes every read connection's page cache stale, so the next read of each reads
    // pages from the file again.
    assertThat(call("save y ky")).isEqualTo("OK");
    try (SyscallFault eio = arm(Syscall.PREAD64, Errno.EIO, List.of(file, wal().get(0)))) {
      assertThat(call("find kx"))
          .as("the find that met %s", eio)
          .isEqualTo("ERR StorageException false");
    }
    List<String> later = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      later.add(call("find kx"));
    }
    assertThat(later).as("every find after the failed one").containsOnly("FOUND x");
  }

  // ---- issue 23 defect 8: a failed fsync at COMMIT is an unknown outcome ----

  @Test
  void aFailedFsyncAtCommit_isAnUnknownOutcome_andReadsAgreeWithTheFileAfterACrash()
      throws Exception {
    assertThat(call("save before k0")).isEqualTo("OK");
    try (SyscallFault eio = arm(Syscall.FSYNC, Errno.EIO, wal())) {
      assertThat(call("save unsure k1"))
          .as("the save that met %s", eio)
          .isEqualTo("ERR CommitOutcomeUnknownException true");
    }
    String seen = call("find k1");
    assertThat(seen).isIn("FOUND unsure", "ABSENT");
    assertThat(call("find k0")).isEqualTo("FOUND before");
    crash();
    try (StateStore reopened = TestFiles.open(file)) {
      assertThat(reopened.find(SyscallFaultChild.Q, "k1").map(r -> "FOUND " + r.id().value()))
          .as("after the crash, the file holds what the instance read after the failure")
          .isEqualTo(seen.equals("ABSENT") ? Optional.empty() : Optional.of(seen));
      assertThat(reopened.find(SyscallFaultChild.Q, "k0")).isPresent();
    }
  }

  @Test
  void aFailedFsyncAtTheCommitOfAGroup_isEveryMembersUnknownOutcome_andReadsAgreeAfterACrash()
      throws Exception {
    assertThat(call("save before k0")).isEqualTo("OK");
    ChildProcess.send(child, "group 16 g");
    assertThat(reply()).isEqualTo("QUEUED");
    List<String> results = new ArrayList<>();
    // Every thread of the child: the leader alone, then the one who leads the other 16.
    try (SyscallFault eio = SyscallFault.arm(pid, 0, Syscall.FSYNC, Errno.EIO, wal())) {
      ChildProcess.send(child, "go");
      assertThat(eio.toString()).contains("fdatasync");
      assertThat(reply()).isEqualTo("RESULTS");
      for (int i = 0; i < 17; i++) {
        results.add(reply());
      }
    }
    List<String> ids = new ArrayList<>();
    for (String r : results) {
      String[] p = r.split(" ", 2);
      ids.add(p[0]);
      assertThat(p[1])
          .as("the outcome of %s", p[0])
          .isEqualTo("ERR CommitOutcomeUnknownException true");
    }
    List<String> seen = new ArrayList<>();
    for (String id : ids) {
      seen.add(call("find " + id));
    }
    crash();
    try (StateStore reopened = TestFiles.open(file)) {
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        assertThat(
                reopened
                    .find(SyscallFaultChild.Q, id)
                    .map(r -> "FOUND " + r.id().value())
                    .orElse("ABSENT"))
            .as("after the crash, %s is what the instance read after the failure", id)
            .isEqualTo(seen.get(i));
      }
      assertThat(reopened.find(SyscallFaultChild.Q, "k0")).isPresent();
    }
  }
}
