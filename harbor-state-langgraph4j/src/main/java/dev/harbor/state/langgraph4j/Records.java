package dev.harbor.state.langgraph4j;

import dev.harbor.state.EventId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of the saver's two record kinds. Strings are written as their UTF-16 code units with a
 * length, so every Java string (NUL, lone surrogates, any length) round-trips exactly, unlike
 * {@code writeUTF} (64 KiB) or UTF-8 (no lone surrogates).
 */
final class Records {

  private static final int HEAD_FORMAT = 0x4C470001; // "LG", version 1
  private static final int BODY_FORMAT = 0x4C470101;

  private Records() {}

  /** One checkpoint of a thread as the head lists it: its id and where its body is. */
  record Entry(String checkpointId, String token, EventId bodyEventId) {}

  /**
   * A thread's head: the original thread id, the generation (the run its bodies live in), and its
   * checkpoints newest first.
   */
  record Head(String threadId, String generation, List<Entry> entries) {
    Head {
      entries = List.copyOf(entries);
    }
  }

  /**
   * A checkpoint's body: its fields, the state already serialized by the graph's serializer. Never
   * compared nor kept: made to be written, or read to build a checkpoint at once.
   */
  @SuppressWarnings("ArrayRecordComponent")
  record Body(String checkpointId, String nodeId, String nextNodeId, byte[] state) {}

  static byte[] head(Head head) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(HEAD_FORMAT);
      writeString(out, head.threadId());
      writeString(out, head.generation());
      out.writeInt(head.entries().size());
      for (Entry e : head.entries()) {
        writeString(out, e.checkpointId());
        writeString(out, e.token());
        writeString(out, e.bodyEventId().value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array never fails
    }
    return bytes.toByteArray();
  }

  static Head head(byte[] bytes, String what) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      expectFormat(in, HEAD_FORMAT, what);
      String threadId = readString(in, bytes.length);
      String generation = readString(in, bytes.length);
      int count = in.readInt();
      if (count < 0 || count > bytes.length) {
        throw corrupt(what, null);
      }
      List<Entry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        entries.add(
            new Entry(
                readString(in, bytes.length),
                readString(in, bytes.length),
                EventId.of(readString(in, bytes.length))));
      }
      expectEnd(in, what);
      return new Head(threadId, generation, entries);
    } catch (IOException e) {
      throw corrupt(what, e);
    }
  }

  static byte[] body(Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.state().length + 64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(BODY_FORMAT);
      writeString(out, body.checkpointId());
      writeString(out, body.nodeId());
      writeString(out, body.nextNodeId());
      out.writeInt(body.state().length);
      out.write(body.state());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Body body(byte[] bytes, String what) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      expectFormat(in, BODY_FORMAT, what);
      String id = readString(in, bytes.length);
      String nodeId = readString(in, bytes.length);
      String nextNodeId = readString(in, bytes.length);
      int length = in.readInt();
      if (length < 0 || length > bytes.length) {
        throw corrupt(what, null);
      }
      byte[] state = new byte[length];
      in.readFully(state);
      expectEnd(in, what);
      return new Body(id, nodeId, nextNodeId, state);
    } catch (IOException e) {
      throw corrupt(what, e);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    out.writeInt(s.length());
    out.writeChars(s);
  }

  private static String readString(DataInputStream in, int total) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > total / 2) {
      throw new EOFException("string length " + length);
    }
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = in.readChar();
    }
    return new String(chars);
  }

  private static void expectFormat(DataInputStream in, int format, String what) throws IOException {
    if (in.readInt() != format) {
      throw corrupt(what, null);
    }
  }

  private static void expectEnd(DataInputStream in, String what) throws IOException {
    if (in.read() != -1) {
      throw corrupt(what, null);
    }
  }

  private static IllegalStateException corrupt(
      String what, @org.jspecify.annotations.Nullable Throwable cause) {
    return new IllegalStateException(
        what + " is not a LangGraph4j checkpoint record this saver can read", cause);
  }
}
