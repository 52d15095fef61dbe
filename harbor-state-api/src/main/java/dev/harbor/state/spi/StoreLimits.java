package dev.harbor.state.spi;

/**
 * The size limits of one store, as its options set them.
 *
 * @param maxPayloadBytes the largest payload a record may carry
 * @param maxBatchBytes the largest {@code saveAll} or {@code saveBatchIf} batch, payloads plus keys
 */
public record StoreLimits(int maxPayloadBytes, long maxBatchBytes) {}
