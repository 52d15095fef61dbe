package dev.harbor.state.cli.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * How many writes shared each commit during a run: the group commit statistics the SQL drivers
 * publish over JMX ({@code dev.harbor.state:type=GroupCommit,*}, attribute {@code GroupSizeCounts}:
 * element {@code n} counts the groups of {@code n} writes), summed over every store in this JVM and
 * taken as the difference of two snapshots. Read through JMX so that the bench needs no driver's
 * classes.
 *
 * @param mean writes per commit on average, 0 if no group was committed
 * @param p99 the 99th percentile of writes per commit (by commits), 0 if none
 */
record GroupSizes(double mean, int p99) {

  /**
   * The counts now, summed over every store's group commit.
   *
   * @return element {@code n} counts the groups of {@code n} writes
   */
  static long[] snapshot() {
    long[] sum = new long[0];
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      for (ObjectName name :
          server.queryNames(new ObjectName("dev.harbor.state:type=GroupCommit,*"), null)) {
        Object counts = server.getAttribute(name, "GroupSizeCounts");
        if (counts instanceof long[] c) {
          if (c.length > sum.length) {
            sum = Arrays.copyOf(sum, c.length);
          }
          for (int i = 0; i < c.length; i++) {
            sum[i] += c[i];
          }
        }
      }
    } catch (JMException | RuntimeException e) {
      // No statistics (a store closed between the query and the read): the run reports none.
    }
    return sum;
  }

  /**
   * The groups committed between two snapshots.
   *
   * @param before the first snapshot
   * @param after the second
   * @return their distribution
   */
  static GroupSizes between(long[] before, long[] after) {
    long[] d = new long[after.length];
    long groups = 0;
    long writes = 0;
    for (int n = 1; n < after.length; n++) {
      d[n] = after[n] - (n < before.length ? before[n] : 0);
      groups += d[n];
      writes += n * d[n];
    }
    if (groups <= 0) {
      return new GroupSizes(0, 0);
    }
    long rank = (long) Math.ceil(groups * 0.99);
    long seen = 0;
    int p99 = 0;
    for (int n = 1; n < d.length; n++) {
      seen += d[n];
      if (seen >= rank) {
        p99 = n;
        break;
      }
    }
    return new GroupSizes((double) writes / groups, p99);
  }
}
