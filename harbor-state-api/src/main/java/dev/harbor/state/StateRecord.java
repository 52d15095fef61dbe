package dev.harbor.state;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One stored record: opaque bytes in the slot ({@code identity}, {@code kind}), written under an
 * event id.
 *
 * <p>The byte array is copied on construction and on every {@link #bytes()} call, so neither the
 * caller nor the store can change the other's copy. {@code null} bytes are stored as zero-length.
 * {@code equals}, {@code hashCode} compare the content of the array; {@code toString} prints its
 * length, never the bytes. {@code null} strings and ids are turned into empty values; construction
 * never throws, and the store validates at its boundary.
 *
 * @param id the event id, the idempotency key of the write
 * @param identity the quadruple of the slot
 * @param kind the caller-namespaced kind of the slot, such as {@code task.checkpoint}
 * @param version an opaque number for callers, stored and compared for idempotency; not a
 *     compare-and-swap token
 * @param bytes the payload; never {@code null} once constructed
 * @param updatedAt when the record was written, at microsecond precision (finer digits are
 *     truncated) and within {@link #MIN_UPDATED_AT}..{@link #MAX_UPDATED_AT}; {@code null} asks the
 *     store to stamp it
 */
// The payload is an array by contract (CONTRACT.md 3.3); the compact constructor and bytes() copy
// it, and equals, hashCode and toString are written for it.
@SuppressWarnings("ArrayRecordComponent")
public record StateRecord(
    EventId id,
    Quadruple identity,
    String kind,
    long version,
    byte[] bytes,
    @Nullable Instant updatedAt) {

  /**
   * The earliest {@code updatedAt} a store accepts: 4714-11-24 BC, 00:00 UTC (ISO year -4713), the
   * first instant PostgreSQL's {@code timestamptz} holds. Together with {@link #MAX_UPDATED_AT} it
   * bounds the range every driver stores exactly; a store rejects an instant outside it with {@link
   * InvalidRecordException}, so a record that one driver accepted can be copied to any other.
   */
  public static final Instant MIN_UPDATED_AT = Instant.parse("-4713-11-24T00:00:00Z");

  /**
   * The latest {@code updatedAt} a store accepts: {@code Long.MAX_VALUE} microseconds after the
   * epoch (in the year 294247), the last instant SQLite's 64-bit microsecond column holds. See
   * {@link #MIN_UPDATED_AT}.
   */
  public static final Instant MAX_UPDATED_AT =
      Instant.EPOCH.plus(Long.MAX_VALUE, ChronoUnit.MICROS);

  private static final byte[] EMPTY = new byte[0];

  /**
   * Normalizes {@code null} values and copies the byte array.
   *
   * @param id the event id; {@code null} becomes the empty id
   * @param identity the slot's quadruple; {@code null} becomes the empty quadruple
   * @param kind the slot's kind; {@code null} becomes {@code ""}
   * @param version the caller's opaque version
   * @param bytes the payload, copied; {@code null} becomes zero-length
   * @param updatedAt the timestamp; {@code null} asks the store to stamp it
   */
  public StateRecord {
    id = id == null ? new EventId("") : id;
    identity = identity == null ? new Quadruple("", "", "", "") : identity;
    kind = kind == null ? "" : kind;
    bytes = bytes == null || bytes.length == 0 ? EMPTY : bytes.clone();
  }

  /**
   * A record of version 0 whose {@code updatedAt} the store stamps.
   *
   * @param id the event id
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   * @param bytes the payload, copied; {@code null} is zero-length
   * @return the record
   */
  public static StateRecord of(EventId id, Quadruple identity, String kind, byte[] bytes) {
    return new StateRecord(id, identity, kind, 0L, bytes, null);
  }

  /**
   * A builder for records with many fields set.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A copy of the payload.
   *
   * @return a fresh array each call; zero-length for an empty payload
   */
  @Override
  public byte[] bytes() {
    return bytes.length == 0 ? EMPTY : bytes.clone();
  }

  /**
   * The payload's length, without copying it.
   *
   * @return the number of payload bytes
   */
  public int size() {
    return bytes.length;
  }

  /**
   * Whether {@code other} carries the same payload, without copying either array.
   *
   * @param other another record
   * @return {@code true} if both payloads have equal content
   */
  public boolean sameBytes(StateRecord other) {
    return Arrays.equals(bytes, other.bytes);
  }

  /**
   * Whether {@code other} is the same write for idempotency purposes: the same event id, slot,
   * bytes and version. {@code updatedAt} is not compared.
   *
   * @param other another record
   * @return {@code true} if replaying {@code other} over this record is a no-op
   */
  public boolean sameContent(StateRecord other) {
    return id.equals(other.id)
        && identity.equals(other.identity)
        && kind.equals(other.kind)
        && version == other.version
        && Arrays.equals(bytes, other.bytes);
  }

  /**
   * This record with another timestamp.
   *
   * @param updatedAt the new timestamp, {@code null} to let the store stamp it
   * @return a copy with {@code updatedAt} replaced
   */
  public StateRecord withUpdatedAt(@Nullable Instant updatedAt) {
    return new StateRecord(id, identity, kind, version, bytes, updatedAt);
  }

  /**
   * This record with another event id.
   *
   * @param id the new event id
   * @return a copy with {@code id} replaced
   */
  public StateRecord withId(EventId id) {
    return new StateRecord(id, identity, kind, version, bytes, updatedAt);
  }

  /**
   * This record with another payload.
   *
   * @param bytes the new payload, copied
   * @return a copy with {@code bytes} replaced
   */
  public StateRecord withBytes(byte[] bytes) {
    return new StateRecord(id, identity, kind, version, bytes, updatedAt);
  }

  /**
   * This record with another version.
   *
   * @param version the new version
   * @return a copy with {@code version} replaced
   */
  public StateRecord withVersion(long version) {
    return new StateRecord(id, identity, kind, version, bytes, updatedAt);
  }

  /**
   * This record with another slot.
   *
   * @param identity the new quadruple
   * @param kind the new kind
   * @return a copy with the slot replaced
   */
  public StateRecord withSlot(Quadruple identity, String kind) {
    return new StateRecord(id, identity, kind, version, bytes, updatedAt);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateRecord r && sameContent(r) && Objects.equals(updatedAt, r.updatedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, identity, kind, version, Arrays.hashCode(bytes), updatedAt);
  }

  @Override
  public String toString() {
    return "StateRecord[id="
        + id.value()
        + ", identity="
        + identity
        + ", kind="
        + kind
        + ", version="
        + version
        + ", bytes="
        + bytes.length
        + " bytes, updatedAt="
        + updatedAt
        + "]";
  }

  /**
   * Builds a {@link StateRecord}; unset fields are empty, version 0 and {@code updatedAt} {@code
   * null}.
   */
  public static final class Builder {
    private EventId id = new EventId("");
    private Quadruple identity = new Quadruple("", "", "", "");
    private String kind = "";
    private long version;
    private byte[] bytes = EMPTY;
    private @Nullable Instant updatedAt;

    private Builder() {}

    /**
     * Sets the event id.
     *
     * @param id the event id
     * @return this builder
     */
    public Builder id(EventId id) {
      this.id = id;
      return this;
    }

    /**
     * Sets the event id from a string.
     *
     * @param id the event id's value
     * @return this builder
     */
    public Builder id(String id) {
      return id(new EventId(id));
    }

    /**
     * Sets the slot's quadruple.
     *
     * @param identity the quadruple
     * @return this builder
     */
    public Builder identity(Quadruple identity) {
      this.identity = identity;
      return this;
    }

    /**
     * Sets the slot's kind.
     *
     * @param kind the kind
     * @return this builder
     */
    public Builder kind(String kind) {
      this.kind = kind;
      return this;
    }

    /**
     * Sets the version.
     *
     * @param version the version
     * @return this builder
     */
    public Builder version(long version) {
      this.version = version;
      return this;
    }

    /**
     * Sets the payload; the array is copied when the record is built.
     *
     * @param bytes the payload
     * @return this builder
     */
    public Builder bytes(byte[] bytes) {
      this.bytes = bytes;
      return this;
    }

    /**
     * Sets the timestamp.
     *
     * @param updatedAt the timestamp, {@code null} to let the store stamp it
     * @return this builder
     */
    public Builder updatedAt(@Nullable Instant updatedAt) {
      this.updatedAt = updatedAt;
      return this;
    }

    /**
     * Builds the record.
     *
     * @return a new record
     */
    public StateRecord build() {
      return new StateRecord(id, identity, kind, version, bytes, updatedAt);
    }
  }
}
