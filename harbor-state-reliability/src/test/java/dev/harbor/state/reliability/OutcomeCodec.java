package dev.harbor.state.reliability;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Outcomes as one line of text, so a second process can report the outcomes of its operations (its
 * calls are regenerated from the shared seed, see {@link HistoryGenerator}).
 */
final class OutcomeCodec {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

  private OutcomeCodec() {}

  static String encode(History.Outcome outcome) {
    if (outcome instanceof History.Threw t) {
      return "T " + t.type().getName();
    }
    if (outcome instanceof History.Unknown u) {
      return "U " + text(u.why());
    }
    if (outcome instanceof History.Failed f) {
      return "F " + text(f.why());
    }
    Object v = ((History.Returned) outcome).value();
    if (v == null) {
      return "N";
    }
    if (v instanceof Boolean b) {
      return "B " + b;
    }
    if (v instanceof Integer i) {
      return "I " + i;
    }
    if (v instanceof Optional<?> o) {
      return o.isEmpty() ? "O" : "O " + record((StateRecord) o.get());
    }
    StringBuilder sb = new StringBuilder("L");
    for (Object r : (List<?>) v) {
      sb.append(' ').append(record((StateRecord) r));
    }
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  static History.Outcome decode(String line) {
    String[] parts = line.split(" ");
    switch (parts[0]) {
      case "T":
        try {
          return new History.Threw((Class<? extends StateStoreException>) Class.forName(parts[1]));
        } catch (ClassNotFoundException e) {
          throw new IllegalArgumentException(line, e);
        }
      case "U":
        return new History.Unknown(untext(parts[1]));
      case "F":
        return new History.Failed(untext(parts[1]));
      case "N":
        return new History.Returned(null);
      case "B":
        return new History.Returned(Boolean.parseBoolean(parts[1]));
      case "I":
        return new History.Returned(Integer.parseInt(parts[1]));
      case "O":
        return new History.Returned(
            parts.length == 1 ? Optional.empty() : Optional.of(record(parts[1])));
      case "L":
        List<StateRecord> records = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
          records.add(record(parts[i]));
        }
        return new History.Returned(List.copyOf(records));
      default:
        throw new IllegalArgumentException("not an outcome: " + line);
    }
  }

  private static String record(StateRecord r) {
    Quadruple q = r.identity();
    return String.join(
        ",",
        text(r.id().value()),
        text(q.tenantId()),
        text(q.userId()),
        text(q.sessionId()),
        text(q.runId()),
        text(r.kind()),
        Long.toString(r.version()),
        B64.encodeToString(r.bytes()),
        r.updatedAt().getEpochSecond() + ":" + r.updatedAt().getNano());
  }

  private static StateRecord record(String s) {
    String[] f = s.split(",", -1);
    String[] at = f[8].split(":");
    return new StateRecord(
        EventId.of(untext(f[0])),
        new Quadruple(untext(f[1]), untext(f[2]), untext(f[3]), untext(f[4])),
        untext(f[5]),
        Long.parseLong(f[6]),
        UNB64.decode(f[7]),
        Instant.ofEpochSecond(Long.parseLong(at[0]), Long.parseLong(at[1])));
  }

  private static String text(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String untext(String s) {
    return new String(UNB64.decode(s), StandardCharsets.UTF_8);
  }
}
