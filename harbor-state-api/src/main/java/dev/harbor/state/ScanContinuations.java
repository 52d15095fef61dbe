package dev.harbor.state;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Encodes and decodes the continuations of {@link StateStore#scanKindForTenant} and {@link
 * StateStore#scanAll}, so that every driver produces and accepts the same opaque strings.
 *
 * <p>A continuation is URL-safe base64 (no padding) of at most {@value #MAX_LENGTH} characters. It
 * holds the position after which the next page starts, (user, session, run, kind), and a checksum
 * that binds it to the tenant, the kind prefix and the maintenance claim it was issued for.
 * Decoding is strict: anything that is not exactly a continuation this codec produced for the same
 * tenant and prefix is an {@link InvalidScanException}.
 *
 * <p>Why the packing: four components of up to 256 UTF-8 bytes each would not fit in 1366 base64
 * characters (1024 bytes) with any framing. The kind is stored without the prefix it must start
 * with, and the bytes are packed as digits of base 243 (a UTF-8 string free of U+0000 uses only 242
 * byte values, plus one separator), which saves the room the separators and checksum need.
 */
public final class ScanContinuations {

  /** The longest continuation of {@code scanKindForTenant} any driver produces or accepts. */
  public static final int MAX_LENGTH = 1366;

  /**
   * The longest continuation of {@code scanAll}: its position has a fifth component, the tenant.
   */
  public static final int MAX_ALL_LENGTH = 1708;

  private static final byte FORMAT = 1; // scanKindForTenant: (user, session, run, kind suffix)
  private static final byte FORMAT_ALL = 2; // scanAll: (tenant, user, session, run, kind)
  private static final int CHECKSUM_BYTES = 4;
  private static final int MAX_COMPONENT_BYTES = 256;
  private static final int BASE = 243; // 242 possible UTF-8 byte values + the separator
  private static final BigInteger BIG_BASE = BigInteger.valueOf(BASE);
  private static final int SEPARATOR = 0;
  private static final int[] DIGIT_OF_BYTE = new int[256];
  private static final int[] BYTE_OF_DIGIT = new int[BASE];

  static {
    Arrays.fill(DIGIT_OF_BYTE, -1);
    int digit = 1;
    for (int b = 1; b < 256; b++) {
      // 0x00 is excluded (no U+0000); 0xC0, 0xC1 and 0xF5..0xFF never occur in well-formed UTF-8.
      if (b == 0xC0 || b == 0xC1 || b >= 0xF5) {
        continue;
      }
      DIGIT_OF_BYTE[b] = digit;
      BYTE_OF_DIGIT[digit] = b;
      digit++;
    }
  }

  private ScanContinuations() {}

  /**
   * A scan position: the (user, session, run, kind) of the last row of a page, within the scan's
   * tenant.
   *
   * @param userId the row's user
   * @param sessionId the row's session
   * @param runId the row's run, possibly empty
   * @param kind the row's kind, which starts with the scan's prefix
   */
  public record Position(String userId, String sessionId, String runId, String kind) {

    /**
     * The position of a record.
     *
     * @param record a row of the scan
     * @return its (user, session, run, kind)
     */
    public static Position of(StateRecord record) {
      Quadruple q = record.identity();
      return new Position(q.userId(), q.sessionId(), q.runId(), record.kind());
    }
  }

  /**
   * The continuation that resumes a scan after {@code after}.
   *
   * @param scope the claim the scan ran under; must be {@link ListScope#MAINTENANCE}
   * @param tenantId the scanned tenant
   * @param kindPrefix the scan's prefix
   * @param after the position of the page's last row
   * @return the continuation, at most {@value #MAX_LENGTH} characters
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws InvalidScanException if the position's kind does not start with the prefix or a
   *     component is malformed
   */
  public static String encode(ListScope scope, String tenantId, String kindPrefix, Position after) {
    requireMaintenance(scope);
    if (!after.kind().startsWith(kindPrefix)) {
      throw new InvalidScanException("scan position kind does not start with the scan prefix");
    }
    return seal(
        FORMAT,
        tenantId,
        kindPrefix,
        pack(
            after.userId(),
            after.sessionId(),
            after.runId(),
            after.kind().substring(kindPrefix.length())));
  }

  /**
   * The continuation that resumes {@link StateStore#scanAll} after a slot.
   *
   * @param scope the claim the scan ran under; must be {@link ListScope#MAINTENANCE}
   * @param after the page's last record
   * @return the continuation, at most {@value #MAX_ALL_LENGTH} characters
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   */
  public static String encodeAll(ListScope scope, StateRecord after) {
    requireMaintenance(scope);
    Quadruple q = after.identity();
    return seal(
        FORMAT_ALL, "", "", pack(q.tenantId(), q.userId(), q.sessionId(), q.runId(), after.kind()));
  }

  /**
   * The slot a {@link StateStore#scanAll} continuation resumes after, as a record with that slot
   * and no content.
   *
   * @param scope the claim of the scan; must be {@link ListScope#MAINTENANCE}
   * @param continuation {@code ""} or {@code null} for the first page, else a continuation from
   *     {@link #encodeAll}
   * @return empty for the first page, else a record holding the slot to resume after
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws InvalidScanException if the continuation is malformed or tampered with
   */
  public static Optional<StateRecord> decodeAll(ListScope scope, String continuation) {
    requireMaintenance(scope);
    if (continuation == null || continuation.isEmpty()) {
      return Optional.empty();
    }
    List<String> parts = unseal(FORMAT_ALL, "", "", continuation, MAX_ALL_LENGTH, 5);
    if (parts.get(0).isEmpty()
        || parts.get(1).isEmpty()
        || parts.get(2).isEmpty()
        || parts.get(4).isEmpty()) {
      throw invalid("holds an incomplete position");
    }
    return Optional.of(
        StateRecord.of(
            EventId.of(""),
            new Quadruple(parts.get(0), parts.get(1), parts.get(2), parts.get(3)),
            parts.get(4),
            new byte[0]));
  }

  /**
   * Builds a {@link StateStore#scanAll} page from up to {@code limit + 1} rows fetched in slot
   * order.
   *
   * @param scope the scan's claim
   * @param limit the page size
   * @param rows up to {@code limit + 1} rows in slot order
   * @return the page
   */
  public static ScanPage pageAll(ListScope scope, int limit, List<StateRecord> rows) {
    if (rows.size() <= limit) {
      return new ScanPage(rows, "");
    }
    List<StateRecord> page = rows.subList(0, limit);
    return new ScanPage(page, encodeAll(scope, page.get(limit - 1)));
  }

  /**
   * Packs components as base-243 digits behind a sentinel digit 1, so that leading zero digits
   * survive.
   */
  private static byte[] pack(String... components) {
    BigInteger n = BigInteger.ONE;
    for (int i = 0; i < components.length; i++) {
      byte[] part = utf8(components[i]);
      if (part.length > MAX_COMPONENT_BYTES) {
        throw new InvalidScanException(
            "scan position component longer than " + MAX_COMPONENT_BYTES + " bytes");
      }
      if (i > 0) {
        n = n.multiply(BIG_BASE).add(BigInteger.valueOf(SEPARATOR));
      }
      for (byte b : part) {
        int digit = DIGIT_OF_BYTE[b & 0xFF];
        if (digit < 0) {
          throw new InvalidScanException(
              "scan position contains a byte that is not valid UTF-8 text");
        }
        n = n.multiply(BIG_BASE).add(BigInteger.valueOf(digit));
      }
    }
    return unsigned(n);
  }

  private static String seal(byte format, String tenantId, String kindPrefix, byte[] packed) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 + CHECKSUM_BYTES + packed.length);
    out.write(format);
    out.writeBytes(checksum(format, tenantId, kindPrefix, packed));
    out.writeBytes(packed);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /** Strictly decodes a sealed continuation into its components. */
  private static List<String> unseal(
      byte format,
      String tenantId,
      String kindPrefix,
      String continuation,
      int maxLength,
      int components) {
    if (continuation.length() > maxLength) {
      throw invalid("is longer than " + maxLength + " characters");
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(continuation);
    } catch (IllegalArgumentException e) {
      throw invalid("is not URL-safe base64");
    }
    // Strict: only the canonical unpadded form is accepted.
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(continuation)) {
      throw invalid("is not in canonical form");
    }
    if (raw.length < 1 + CHECKSUM_BYTES + 1 || raw[0] != format) {
      throw invalid("has an unknown format");
    }
    byte[] packed = Arrays.copyOfRange(raw, 1 + CHECKSUM_BYTES, raw.length);
    if (packed[0] == 0
        || !MessageDigest.isEqual(
            Arrays.copyOfRange(raw, 1, 1 + CHECKSUM_BYTES),
            checksum(format, tenantId, kindPrefix, packed))) {
      throw invalid(
          format == FORMAT
              ? "was not issued for this tenant and prefix, or was altered"
              : "was altered");
    }
    List<String> parts = unpack(new BigInteger(1, packed));
    if (parts.size() != components) {
      throw invalid("does not hold a " + components + "-part position");
    }
    return parts;
  }

  /**
   * The position a continuation resumes after.
   *
   * @param scope the claim of the scan; must be {@link ListScope#MAINTENANCE}
   * @param tenantId the scanned tenant
   * @param kindPrefix the scan's prefix
   * @param continuation {@code ""} or {@code null} for the first page, else a continuation from
   *     {@link #encode}
   * @return empty for the first page, else the position
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws InvalidScanException if the continuation is malformed, tampered with, or issued for
   *     another tenant or prefix
   */
  public static Optional<Position> decode(
      ListScope scope, String tenantId, String kindPrefix, String continuation) {
    requireMaintenance(scope);
    if (continuation == null || continuation.isEmpty()) {
      return Optional.empty();
    }
    List<String> parts = unseal(FORMAT, tenantId, kindPrefix, continuation, MAX_LENGTH, 4);
    String kind = kindPrefix + parts.get(3);
    if (parts.get(0).isEmpty() || parts.get(1).isEmpty() || kind.isEmpty()) {
      throw invalid("holds an incomplete position");
    }
    return Optional.of(new Position(parts.get(0), parts.get(1), parts.get(2), kind));
  }

  /**
   * Builds a page from up to {@code limit + 1} rows fetched in scan order: the first {@code limit}
   * rows form the page, and the continuation is empty exactly when no further row was fetched.
   *
   * @param scope the scan's claim
   * @param tenantId the scanned tenant
   * @param kindPrefix the scan's prefix
   * @param limit the page size
   * @param rows up to {@code limit + 1} rows in scan order
   * @return the page
   */
  public static ScanPage page(
      ListScope scope, String tenantId, String kindPrefix, int limit, List<StateRecord> rows) {
    if (rows.size() <= limit) {
      return new ScanPage(rows, "");
    }
    List<StateRecord> page = rows.subList(0, limit);
    return new ScanPage(
        page, encode(scope, tenantId, kindPrefix, Position.of(page.get(limit - 1))));
  }

  private static List<String> unpack(BigInteger n) {
    List<Integer> digits = new ArrayList<>();
    while (n.compareTo(BigInteger.ONE) > 0) {
      BigInteger[] qr = n.divideAndRemainder(BIG_BASE);
      digits.add(qr[1].intValue());
      n = qr[0];
    }
    if (n.signum() == 0) {
      throw invalid("has no sentinel");
    }
    List<String> parts = new ArrayList<>(4);
    ByteArrayOutputStream part = new ByteArrayOutputStream();
    for (int i = digits.size() - 1; i >= 0; i--) {
      int digit = digits.get(i);
      if (digit == SEPARATOR) {
        parts.add(text(part.toByteArray()));
        part.reset();
      } else {
        part.write(BYTE_OF_DIGIT[digit]);
      }
    }
    parts.add(text(part.toByteArray()));
    return parts;
  }

  private static String text(byte[] bytes) {
    if (bytes.length > MAX_COMPONENT_BYTES) {
      throw invalid("holds a component longer than " + MAX_COMPONENT_BYTES + " bytes");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw invalid("holds malformed text");
    }
  }

  private static byte[] checksum(byte format, String tenantId, String kindPrefix, byte[] packed) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("harbor-state/scan/v1/maintenance".getBytes(StandardCharsets.UTF_8));
      sha.update(format);
      for (String bound : new String[] {tenantId, kindPrefix}) {
        byte[] b = utf8(bound);
        sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
        sha.update(b);
      }
      sha.update(packed);
      return Arrays.copyOf(sha.digest(), CHECKSUM_BYTES);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static byte[] unsigned(BigInteger n) {
    byte[] b = n.toByteArray();
    return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void requireMaintenance(ListScope scope) {
    if (scope == null || !scope.maintenanceScoped()) {
      throw new MaintenanceScopeRequiredException(
          "a maintenance scan requires ListScope.MAINTENANCE");
    }
  }

  private static InvalidScanException invalid(String why) {
    return new InvalidScanException("scan continuation " + why);
  }
}
