package dev.harbor.state.cli;

import java.io.IOException;
import java.io.Reader;
import org.jspecify.annotations.Nullable;

/**
 * Lines of a stream, none longer than a bound: a line that runs past it fails as soon as the bound
 * is passed, so a stream without line breaks never fills the heap. Lines end at {@code \n}, {@code
 * \r\n} or the end of the stream, as {@link java.io.BufferedReader#readLine} reads them.
 */
final class BoundedLines {

  /** Thrown for a line longer than the bound; nothing of the line is kept. */
  static final class TooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLongException(String message) {
      super(message);
    }
  }

  private final Reader in;
  private final int maxChars;
  private final char[] buffer = new char[1 << 16];
  private int position;
  private int limit;
  private boolean eof;

  /**
   * @param in the characters; read through this object's own buffer
   * @param maxChars the longest line, in characters (its line break not counted)
   */
  BoundedLines(Reader in, int maxChars) {
    this.in = in;
    this.maxChars = maxChars;
  }

  /**
   * The next line, without its line break.
   *
   * @return the line, or {@code null} at the end of the stream
   * @throws TooLongException if the line is longer than the bound
   * @throws IOException if reading fails
   */
  @Nullable String next() throws IOException {
    StringBuilder line = null;
    while (true) {
      if (position == limit) {
        if (eof || !fill()) {
          return line == null ? null : strip(line);
        }
      }
      int start = position;
      while (position < limit && buffer[position] != '\n') {
        position++;
      }
      int length = (line == null ? 0 : line.length()) + (position - start);
      // One more than the bound may be a \r that ends the line.
      if (length > maxChars + 1) {
        throw new TooLongException("a line is longer than " + maxChars + " characters");
      }
      if (line == null) {
        line = new StringBuilder(Math.min(length + 64, maxChars + 1));
      }
      line.append(buffer, start, position - start);
      if (position < limit) {
        position++; // the \n
        return strip(line);
      }
    }
  }

  private String strip(StringBuilder line) throws TooLongException {
    int end = line.length();
    if (end > 0 && line.charAt(end - 1) == '\r') {
      end--;
    }
    if (end > maxChars) {
      throw new TooLongException("a line is longer than " + maxChars + " characters");
    }
    return line.substring(0, end);
  }

  private boolean fill() throws IOException {
    int n = in.read(buffer, 0, buffer.length);
    if (n < 0) {
      eof = true;
      return false;
    }
    position = 0;
    limit = n;
    return true;
  }
}
